using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;
using Mesh.Contracts.Protocol;
using Mesh.Contracts.Protocol.V1;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo.Subscriptions;

/// <summary>
/// Bad streams end with a gRPC status naming the problem, before or after the first response, and the silo keeps
/// serving everyone else.
/// </summary>
public sealed class ProtocolViolationTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private SiloProcess _silo = null!;
    private TestSubscriber _bystander = null!;

    public async Task InitializeAsync()
    {
        _silo = await SiloProcess.StartAsync(log: output, settings: new Dictionary<string, string?> { ["Mesh__SubscriberTimeout"] = "00:00:02" });
        _bystander = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = "bystander" });
        await _bystander.WaitForAsync(s => s.InitialResponses == 1, Deadline, "the first response");
    }

    public async Task DisposeAsync()
    {
        await _bystander.DisposeAsync();
        await _silo.DisposeAsync();
    }

    public static TheoryData<string, string, StatusCode, string> FirstRequests => new()
    {
        { "no node", """{"subscribe":{}}""", StatusCode.InvalidArgument, "subscribe.node is required" },
        { "empty id", """{"subscribe":{"node":{"namespace":"default"}}}""", StatusCode.InvalidArgument, "subscribe.node.id is required" },
        { "no namespace", """{"subscribe":{"node":{"id":"x"}}}""", StatusCode.InvalidArgument, "subscribe.node.namespace is required" },
        { "ack first", """{"ack":{"nonce":"1"}}""", StatusCode.InvalidArgument, "the first request must be subscribe, got ack" },
        { "nothing set", "{}", StatusCode.InvalidArgument, "no message set" },
        { "unknown kind", """{"subscribe":{"node":{"id":"x","namespace":"default"},"initialResourceVersions":{"Gizmo/default/a":"1"}}}""",
            StatusCode.InvalidArgument, "unknown kind 'Gizmo'" },
        { "bad key", """{"subscribe":{"node":{"id":"x","namespace":"default"},"initialResourceVersions":{"Service/a":"1"}}}""",
            StatusCode.InvalidArgument, "'Service/a' is not Kind/namespace/name" },
        { "version not a number", """{"subscribe":{"node":{"id":"x","namespace":"default"},"initialResourceVersions":{"Service/default/a":"v7"}}}""",
            StatusCode.InvalidArgument, "version 'v7' is not a non-negative number" },
    };

    [Theory]
    [MemberData(nameof(FirstRequests))]
    public async Task Subscribe_InvalidFirstRequest_EndsWithStatusNamingTheField(string scenario, string json, StatusCode code, string expected)
    {
        _ = scenario;
        var request = JsonParser.Default.Parse<SubscribeRequest>(json);

        var (status, responses) = await RunAsync(call => call.RequestStream.WriteAsync(request));

        AssertEnded(status, responses, code, expected);
        await AssertSiloStillServesAsync();
    }

    [Fact]
    public async Task Subscribe_TenMegabyteRequest_ResourceExhausted()
    {
        var subscribe = new Subscribe { Node = new Node { Id = "big", Namespace = "default", Zone = new string('z', 10 * 1024 * 1024) } };

        var (status, responses) = await RunAsync(call => call.RequestStream.WriteAsync(new SubscribeRequest { Subscribe = subscribe }));

        AssertEnded(status, responses, StatusCode.ResourceExhausted, "Mesh:MaxClientFrameBytes");
        await AssertSiloStillServesAsync();
    }

    [Fact]
    public async Task Subscribe_NoFirstRequest_DeadlineExceeded()
    {
        var (status, responses) = await RunAsync(_ => Task.CompletedTask);

        AssertEnded(status, responses, StatusCode.DeadlineExceeded, "no subscribe request within 2 s");
        await AssertSiloStillServesAsync();
    }

    [Theory]
    [InlineData("""{"ack":{"nonce":"not-a-nonce"}}""", "ack.nonce 'not-a-nonce' does not name a response sent on this stream")]
    [InlineData("""{"subscribe":{"node":{"id":"again","namespace":"default"}}}""", "subscribe is allowed only as the first request")]
    [InlineData("{}", "none of subscribe, ack, nack, outlier")]
    public async Task Stream_InvalidLaterRequest_EndsWithInvalidArgument(string json, string expected)
    {
        await using var subscriber = await TestSubscriber.ConnectAsync(_silo.BaseAddress, new NodeInfo { Id = "later" });
        await subscriber.WaitForAsync(s => s.InitialResponses == 1, Deadline, "the first response");

        await subscriber.SendAsync(JsonParser.Default.Parse<SubscribeRequest>(json));

        var status = await subscriber.WaitForEndAsync(Deadline);
        Assert.Equal(StatusCode.InvalidArgument, status.StatusCode);
        Assert.Contains(expected, status.Detail);
        await AssertSiloStillServesAsync();
    }

    [Fact]
    public async Task Stream_UndecodableBytes_InvalidArgument()
    {
        // A hand-built method that sends raw bytes: field 1 (subscribe) announced with a length past the end.
        var raw = new Method<byte[], byte[]>(MethodType.DuplexStreaming, MeshDiscovery.Descriptor.FullName, "Subscribe",
            Marshallers.Create((byte[] b) => b, b => b), Marshallers.Create((byte[] b) => b, b => b));
        using var channel = GrpcChannel.ForAddress(_silo.BaseAddress);
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(raw, null, new CallOptions());

        await call.RequestStream.WriteAsync([0x0A, 0x7F, 0x01]);
        var error = await Assert.ThrowsAsync<RpcException>(() => call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Deadline));

        Assert.Equal(StatusCode.InvalidArgument, error.StatusCode);
        Assert.Contains("not a valid SubscribeRequest", error.Status.Detail);
        await AssertSiloStillServesAsync();
    }

    private async Task<(Status Status, int Responses)> RunAsync(Func<AsyncDuplexStreamingCall<SubscribeRequest, SubscribeResponse>, Task> send)
    {
        using var channel = GrpcChannel.ForAddress(_silo.BaseAddress);
        using var call = new MeshDiscovery.MeshDiscoveryClient(channel).Subscribe();
        try
        {
            await send(call);
        }
        catch (RpcException)
        {
            // The silo may end the call while the request is still being written; the status below says why.
        }

        var responses = 0;
        try
        {
            while (await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Deadline))
            {
                responses++;
            }

            return (call.GetStatus(), responses);
        }
        catch (RpcException ex)
        {
            return (ex.Status, responses);
        }
    }

    private static void AssertEnded(Status status, int responses, StatusCode code, string expected)
    {
        Assert.Equal(code, status.StatusCode);
        Assert.Contains(expected, status.Detail);
        Assert.Equal(0, responses);
    }

    private async Task AssertSiloStillServesAsync()
    {
        await _silo.Admin.PutServiceAsync(TestResources.Service($"after-{Guid.NewGuid():N}"[..20]));
        var revision = await _silo.StoreRevisionAsync();
        await _bystander.WaitForAsync(s => s.Revision >= revision, Deadline, "the change after the violation");
        Assert.Null(_bystander.EndStatus);
    }
}
