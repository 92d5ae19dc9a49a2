using System.Text.Json;
using Mesh.Contracts.Istio.Networking;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Istio.Validation.Schema;

namespace Mesh.Istio.Validation;

/// <summary>
/// Validates one resource the way Istio's webhook does and returns every error with its field path. The silo answers
/// 400 with these messages; meshctl reports them offline.
/// </summary>
public static class ResourceValidator
{
    private static readonly string[] TopLevelFields = ["apiVersion", "kind", "metadata", "spec", "status"];

    /// <summary>
    /// Validates <paramref name="resource"/>. In <paramref name="strict"/> mode unknown spec fields are errors (Istio's
    /// webhook rejects them too); otherwise they are ignored.
    /// </summary>
    public static IReadOnlyList<ValidationMessage> Validate(MeshResource resource, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(resource);
        var context = new ValidationContext();
        var kindKnown = Header(resource, context);
        Metadata(resource.Metadata, context);
        if (kindKnown)
        {
            MeshAnnotations.Check(resource, context);
            Spec(resource, strict, context);
        }

        return context.Messages;
    }

    /// <summary>Validates a raw document, additionally reporting unknown top-level fields (strict mode).</summary>
    public static IReadOnlyList<ValidationMessage> Validate(JsonElement document, MeshResource resource, bool strict = true)
    {
        var messages = Validate(resource, strict).ToList();
        if (strict && document.ValueKind == JsonValueKind.Object && JsonText.Check(document, "", new ValidationContext()))
        {
            foreach (var property in document.EnumerateObject())
            {
                if (!TopLevelFields.Contains(property.Name, StringComparer.Ordinal))
                {
                    messages.Insert(0, new ValidationMessage(ValidationSeverity.Error, ValidationMessage.SchemaError, property.Name, "unknown field"));
                }
            }
        }

        return messages;
    }

    /// <summary>
    /// Strings and field names in <paramref name="element"/> that cannot be stored: invalid UTF-8 (kept raw by the
    /// parser until something reads it) and the NUL character, each with its path.
    /// </summary>
    public static IReadOnlyList<ValidationMessage> CheckText(JsonElement element, string path)
    {
        var context = new ValidationContext();
        JsonText.Check(element, path, context);
        return context.Messages;
    }

    // A document can say "apiVersion: null" or "metadata: ~"; the records' non-null defaults do not survive that.
    private static bool Header(MeshResource resource, ValidationContext context)
    {
        if (string.IsNullOrEmpty(resource.ApiVersion))
        {
            context.Error("apiVersion", "is required");
        }

        if (resource.Kind is ResourceKinds.Service or ResourceKinds.Endpoint)
        {
            if (!string.IsNullOrEmpty(resource.ApiVersion) && resource.ApiVersion != ResourceKinds.MeshApiVersion)
            {
                context.Error("apiVersion", $"\"{resource.ApiVersion}\" is not valid for {resource.Kind}, must be {ResourceKinds.MeshApiVersion}");
            }

            return true;
        }

        if (resource.Kind is null || !ResourceKinds.ConfigKindGroups.TryGetValue(resource.Kind, out var group))
        {
            var known = string.Join(", ", ResourceKinds.ConfigKindGroups.Keys.Prepend(ResourceKinds.Endpoint).Prepend(ResourceKinds.Service));
            context.Error("kind", string.IsNullOrEmpty(resource.Kind) ? "is required" : $"\"{resource.Kind}\" is not a known kind ({known})");
            return false;
        }

        if (string.IsNullOrEmpty(resource.ApiVersion))
        {
            return true;
        }

        var slash = resource.ApiVersion.IndexOf('/', StringComparison.Ordinal);
        var apiGroup = slash < 0 ? "" : resource.ApiVersion[..slash];
        var version = slash < 0 ? resource.ApiVersion : resource.ApiVersion[(slash + 1)..];
        var versions = ResourceKinds.VersionsFor(resource.Kind);
        if (apiGroup != group || !versions.Contains(version))
        {
            context.Error("apiVersion", $"\"{resource.ApiVersion}\" is not valid for {resource.Kind}, must be {group}/{string.Join("|", versions)}");
        }

        return true;
    }

    private static void Metadata(ResourceMetadata? metadata, ValidationContext context)
    {
        if (metadata is null)
        {
            context.Error("metadata", "is required (an object with at least a name)");
            return;
        }

        if (string.IsNullOrEmpty(metadata.Name))
        {
            context.Error("metadata.name", "is required");
        }
        else if (!Dns1123.IsSubdomain(metadata.Name))
        {
            context.Error("metadata.name", $"\"{metadata.Name}\" must be a DNS-1123 subdomain (lower case letters, digits, '-' and '.', at most 253)");
        }

        if (metadata.Namespace is { } ns && !Dns1123.IsLabel(ns))
        {
            context.Error("metadata.namespace", $"\"{ns}\" must be a DNS-1123 label (lower case letters, digits and '-', at most 63)");
        }

        StringMap(metadata.Labels, "metadata.labels", context);
        StringMap(metadata.Annotations, "metadata.annotations", context);
    }

    private static void StringMap(IReadOnlyDictionary<string, string>? map, string path, ValidationContext context)
    {
        foreach (var (key, value) in map ?? new Dictionary<string, string>())
        {
            if (value is null)
            {
                context.Error($"{path}.{key}", "must be a string, found null");
            }
            else if (key.Contains('\0', StringComparison.Ordinal) || value.Contains('\0', StringComparison.Ordinal))
            {
                context.Error($"{path}.{key.Replace("\0", "\\u0000", StringComparison.Ordinal)}", "must not contain the NUL character (\\u0000)");
            }
        }
    }

    private static void Spec(MeshResource resource, bool strict, ValidationContext context)
    {
        var spec = resource.Spec;
        if (spec.ValueKind is JsonValueKind.Undefined or JsonValueKind.Null)
        {
            context.Error("spec", "is required");
            return;
        }

        if (!JsonText.Check(spec, "spec", context))
        {
            return;
        }

        switch (resource.Kind)
        {
            case ResourceKinds.VirtualService: Typed<VirtualServiceSpec>(spec, strict, context, (s, c) => VirtualServiceValidator.Validate(s, Extras<VirtualServiceExtras>(spec), c)); break;
            case ResourceKinds.DestinationRule: Typed<DestinationRuleSpec>(spec, strict, context, (s, c) => DestinationRuleValidator.Validate(s, Extras<DestinationRuleExtras>(spec), c)); break;
            case ResourceKinds.Gateway: Typed<GatewaySpec>(spec, strict, context, (s, c) => { GatewayValidator.Validate(s, c); GatewayValidator.Versions(spec, c); }); break;
            case ResourceKinds.ServiceEntry: Typed<ServiceEntrySpec>(spec, strict, context, ServiceEntryValidator.Validate); break;
            case ResourceKinds.WorkloadEntry: Typed<WorkloadEntrySpec>(spec, strict, context, (s, c) => ServiceEntryValidator.Workload(s, "spec", c)); break;
            case ResourceKinds.Sidecar: Typed<SidecarSpec>(spec, strict, context, (s, c) => ServiceEntryValidator.Sidecar(s, Extras<SidecarExtras>(spec), c)); break;
            case ResourceKinds.Service: Typed<ServiceSpec>(spec, strict, context, RegistryValidator.Service); break;
            case ResourceKinds.Endpoint: Typed<EndpointSpec>(spec, strict, context, RegistryValidator.Endpoint); break;
            case ResourceKinds.PeerAuthentication: SecurityValidator.PeerAuthentication(spec, strict, context); break;
            case ResourceKinds.AuthorizationPolicy: SecurityValidator.AuthorizationPolicy(spec, strict, context); break;
            case ResourceKinds.RequestAuthentication: SecurityValidator.RequestAuthentication(spec, strict, context); break;
            case ResourceKinds.InferencePool: Typed<Contracts.Inference.InferencePoolSpec>(spec, strict, context, InferencePoolValidator.Validate); break;
            case ResourceKinds.ExportedServices: Typed<Contracts.Federation.ExportedServicesSpec>(spec, strict, context, FederationValidator.ExportedServices); break;
            default: break;
        }
    }

    /// <summary>The Istio-only fields of a spec whose shape the walk already found sound (see <see cref="IstioFields"/>).</summary>
    private static T Extras<T>(JsonElement spec)
        where T : class, new() => MeshJson.FromElement<T>(spec) ?? new T();

    /// <summary>Shape first (all type errors with paths), then the typed record's semantic rules if the shape is sound.</summary>
    private static void Typed<T>(JsonElement spec, bool strict, ValidationContext context, Action<T, ValidationContext> rules)
        where T : class
    {
        var before = context.Messages.Count;
        SchemaWalker.Walk(spec, typeof(T), "spec", strict, context);
        if (context.Messages.Skip(before).Any(m => m.Severity == ValidationSeverity.Error && !m.Message.StartsWith("unknown field", StringComparison.Ordinal)))
        {
            return;
        }

        T? typed;
        try
        {
            typed = MeshJson.FromElement<T>(spec);
        }
        catch (JsonException e)
        {
            context.Error("spec" + (e.Path is { Length: > 1 } p ? p[1..] : ""), e.Message);
            return;
        }

        if (typed is not null)
        {
            rules(typed, context);
        }
    }
}
