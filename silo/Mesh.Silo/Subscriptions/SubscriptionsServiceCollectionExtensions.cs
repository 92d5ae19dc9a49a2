namespace Mesh.Silo.Subscriptions;

internal static class SubscriptionsServiceCollectionExtensions
{
    /// <summary>The gRPC subscription service, its shared response builder, subscriber status and outlier reports.</summary>
    public static IServiceCollection AddMeshSubscriptions(this IServiceCollection services, SiloOptions options)
    {
        services.AddGrpc(grpc =>
        {
            // Requests are small (subscribe, ack, nack, outlier); anything larger is a protocol violation.
            grpc.MaxReceiveMessageSize = options.MaxClientFrameBytes;
            grpc.MaxSendMessageSize = null;
            grpc.EnableDetailedErrors = false;
        });
        services.AddGrpcReflection();
        services.AddSingleton<DiscoveryService>();
        services.AddSingleton<SubscriberAuthentication>();
        services.AddSingleton<SubscriberRegistry>();
        services.AddSingleton<ResponseBuilder>();
        services.AddSingleton<SubscriberStatusFlusher>();
        services.AddHostedService(sp => sp.GetRequiredService<SubscriberStatusFlusher>());
        services.AddSingleton<Health.OutlierReportWriter>();
        services.AddHostedService(sp => sp.GetRequiredService<Health.OutlierReportWriter>());
        return services;
    }
}
