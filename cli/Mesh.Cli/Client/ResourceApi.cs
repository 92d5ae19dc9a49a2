using Mesh.Cli.Kinds;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

namespace Mesh.Cli.Client;

/// <summary>Writes resources read from files to the endpoint of the admin API their kind belongs to.</summary>
internal static class ResourceApi
{
    /// <summary>PUTs <paramref name="resource"/>; returns the stored name and whether it was new ("created") or not ("configured").</summary>
    public static async Task<(string Name, bool Created)> ApplyAsync(SiloClient client, KindInfo kind, MeshResource resource, CancellationToken cancellationToken)
    {
        var ns = resource.Key.Namespace;
        if (kind.Api == KindApi.Endpoint)
        {
            var spec = MeshJson.FromElement<EndpointSpec>(resource.Spec) ?? new EndpointSpec();
            var name = EndpointSpec.NameFor(spec.Service, spec.Address, spec.Port);
            var existed = await client.FindAsync<EndpointView>(kind.ItemPath(ns, name), cancellationToken) is not null;
            var registration = new EndpointRegistration
            {
                Service = spec.Service,
                Address = spec.Address,
                Port = spec.Port,
                Weight = spec.Weight,
                Health = spec.Health,
                Labels = resource.Metadata.Labels,
                RegisteredBy = spec.RegisteredBy ?? "meshctl",
                SidecarPort = spec.SidecarPort,
            };
            var view = await client.PutAsync<EndpointView>($"/api/v1/namespaces/{KindInfo.Escape(ns)}/endpoints", registration, cancellationToken);
            return (view.Name, !existed);
        }

        var path = kind.ItemPath(ns, resource.Metadata.Name);
        var before = await client.FindAsync<MeshResource>(path, cancellationToken);
        var stored = await client.PutAsync<MeshResource>(path, resource, cancellationToken);
        return (stored.Metadata.Name, before is null);
    }

    public static Task DeleteAsync(SiloClient client, KindInfo kind, string ns, string name, CancellationToken cancellationToken)
    {
        if (!kind.Namespaced)
        {
            throw new CliException(ExitCodes.UserError, $"{kind.Aliases[1]} cannot be deleted; they come and go with the processes they describe");
        }

        return client.DeleteAsync(kind.ItemPath(ns, name), cancellationToken);
    }

    /// <summary>An Endpoint in a file is named by service, address and port, like the registry names it.</summary>
    public static string NameOf(KindInfo kind, MeshResource resource) =>
        kind.Api == KindApi.Endpoint && MeshJson.FromElement<EndpointSpec>(resource.Spec) is { } spec
            ? EndpointSpec.NameFor(spec.Service, spec.Address, spec.Port)
            : resource.Metadata.Name;
}
