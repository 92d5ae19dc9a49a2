using System.Text.Json;
using Mesh.Contracts.Istio.Security;
using Mesh.Contracts.Json;
using Mesh.Contracts.Resources;
using Mesh.Routing.Model;
using Mesh.Security;
using Mesh.Security.Authorization;
using Mesh.Security.Jwt;
using Mesh.Sidecar.Hosting;

namespace Mesh.Sidecar.Security;

/// <summary>
/// The inbound security of one configuration: the effective PeerAuthentication mode of the app port, and the
/// AuthorizationPolicies and RequestAuthentications selected for this workload, compiled once per config apply.
/// </summary>
internal sealed class InboundPolicy
{
    public static readonly InboundPolicy Open = new(Routing.Model.MtlsMode.Permissive, null, null);

    private InboundPolicy(Routing.Model.MtlsMode mode, WorkloadAuthorizer? authorizer, WorkloadJwtAuthenticator? jwt)
    {
        Mode = mode;
        Authorizer = authorizer;
        Jwt = jwt;
    }

    public Routing.Model.MtlsMode Mode { get; }

    /// <summary>Null when no ALLOW or DENY policy applies.</summary>
    public WorkloadAuthorizer? Authorizer { get; }

    /// <summary>Null when no RequestAuthentication applies.</summary>
    public WorkloadJwtAuthenticator? Jwt { get; }

    /// <summary>Throws <see cref="ArgumentException"/> naming the invalid resource, so the config is NACKed.</summary>
    public static InboundPolicy Build(InboundConfig inbound, SidecarOptions options, IJwksSource jwks, TimeProvider time)
    {
        var mode = options.AppPort is { } port && inbound.PortMtlsModes.TryGetValue(port, out var portMode) ? portMode : inbound.MtlsMode;
        try
        {
            var authorizer = AuthorizationEvaluator.Create(Entries<AuthorizationPolicySpec>(inbound.AuthorizationPolicies))
                .ForWorkload(options.Namespace, options.Labels);
            var jwt = RequestAuthenticator.Create(Entries<RequestAuthenticationSpec>(inbound.RequestAuthentications), jwks, time)
                .ForWorkload(options.Namespace, options.Labels);
            return new InboundPolicy(mode, authorizer.HasPolicies ? authorizer : null, jwt.HasRules ? jwt : null);
        }
        catch (Exception ex) when (ex is PolicyValidationException or JsonException)
        {
            throw new ArgumentException(ex.Message, ex);
        }
    }

    private static List<PolicyEntry<T>> Entries<T>(IReadOnlyList<MeshResource> resources)
    {
        var entries = new List<PolicyEntry<T>>(resources.Count);
        foreach (var resource in resources)
        {
            var spec = resource.Spec.Deserialize(MeshJson.Options.TypeInfo<T>())
                ?? throw new JsonException($"{resource.Kind} {resource.Metadata.Namespace}/{resource.Metadata.Name} has no spec");
            entries.Add(new PolicyEntry<T>(resource.Metadata.Namespace ?? "default", resource.Metadata.Name, spec));
        }

        return entries;
    }
}
