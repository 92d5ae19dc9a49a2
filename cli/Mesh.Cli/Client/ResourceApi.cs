using System.Text.Json;
using Mesh.Cli.Kinds;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

namespace Mesh.Cli.Client;

internal enum ApplyOutcome
{
    Created,
    Configured,

    /// <summary>Stored exactly as in the file: nothing was sent, so no revision and no push to the sidecars.</summary>
    Unchanged,
}

/// <summary>Writes resources read from files to the endpoint of the admin API their kind belongs to.</summary>
internal static class ResourceApi
{
    /// <summary>PUTs <paramref name="resource"/> unless it is stored unchanged; returns the stored name and the outcome.</summary>
    public static async Task<(string Name, ApplyOutcome Outcome)> ApplyAsync(SiloClient client, KindInfo kind, MeshResource resource, CancellationToken cancellationToken)
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
            return (view.Name, existed ? ApplyOutcome.Configured : ApplyOutcome.Created);
        }

        var path = kind.ItemPath(ns, resource.Metadata.Name);
        var before = await client.FindAsync<MeshResource>(path, cancellationToken);
        if (before is not null && SameContent(before, resource))
        {
            return (before.Metadata.Name, ApplyOutcome.Unchanged);
        }

        var stored = await client.PutAsync<MeshResource>(path, resource, cancellationToken);
        return (stored.Metadata.Name, before is null ? ApplyOutcome.Created : ApplyOutcome.Configured);
    }

    /// <summary>A file that names a resourceVersion asks for a conditional write, so it is always sent.</summary>
    private static bool SameContent(MeshResource stored, MeshResource applied) =>
        applied.Metadata.ResourceVersion is null &&
        stored.ApiVersion == applied.ApiVersion &&
        JsonElement.DeepEquals(stored.Spec, applied.Spec) &&
        SameMap(stored.Metadata.Labels, applied.Metadata.Labels) &&
        SameMap(stored.Metadata.Annotations, applied.Metadata.Annotations);

    private static bool SameMap(IReadOnlyDictionary<string, string>? a, IReadOnlyDictionary<string, string>? b) =>
        (a ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal)
            .SequenceEqual((b ?? new Dictionary<string, string>()).OrderBy(p => p.Key, StringComparer.Ordinal));

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
