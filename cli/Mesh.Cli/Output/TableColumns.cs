using System.Text.Json;
using Mesh.Cli.Kinds;
using Mesh.Contracts.Resources;

namespace Mesh.Cli.Output;

/// <summary>The columns <c>get</c> shows for each kind, read from the API's JSON.</summary>
internal static class TableColumns
{
    public static (IReadOnlyList<string> Headers, IEnumerable<IReadOnlyList<string>> Rows) For(KindInfo kind, IReadOnlyList<JsonElement> items, bool showNamespace)
    {
        var (headers, cells) = kind.Api switch
        {
            KindApi.Endpoint => (["NAME", "SERVICE", "ADDRESS", "WEIGHT", "HEALTH", "LABELS", "LEASE EXPIRES", "VERSION"],
                (Func<JsonElement, string[]>)(e => [S(e, "name"), S(e, "service"), $"{S(e, "address")}:{S(e, "port")}", S(e, "weight"), S(e, "health"),
                    Labels(e.TryGetProperty("labels", out var l) ? l : default), Or(S(e, "leaseExpiresAt"), "never"), S(e, "resourceVersion")])),
            KindApi.Subscriber => (["ID", "NAMESPACE", "SERVICE", "SILO", "SYNC", "SENT", "ACKED", "NACKED", "LAST NACK"],
                e => [S(e, "id"), S(e, "node", "namespace"), Or(S(e, "node", "service"), "-"), S(e, "siloId"), Or(S(e, "sync"), "-"), S(e, "sentRevision"),
                    S(e, "ackedRevision"), Or(S(e, "nackedRevision"), "-"), Or(S(e, "lastNackError"), "-")]),
            KindApi.Member => (["ID", "ADDRESS", "STATUS", "STARTED", "LAST I-AM-ALIVE"],
                e => [S(e, "id"), S(e, "address"), S(e, "status"), S(e, "startedAt"), S(e, "lastIAmAlive")]),
            KindApi.Shard => (["SHARD", "OWNER", "GENERATION", "ACTIVATED", "ENDPOINTS"],
                e => [S(e, "shard"), Or(S(e, "owner"), "-"), S(e, "generation"), Or(S(e, "activatedAt"), "-"), S(e, "endpoints")]),
            KindApi.Credential => (["NAME", "SUBJECT", "DNS NAMES", "NOT AFTER", "KEY", "CA CERTS", "UPDATED"],
                e => [S(e, "name"), Or(S(e, "subject"), "-"), Or(List(e, "dnsNames"), "-"), Or(S(e, "notAfter"), "-"),
                    Get(e, "hasPrivateKey").ValueKind == JsonValueKind.True ? "yes" : "no", S(e, "caCertificates"), S(e, "updatedAt")]),
            _ => Resource(kind.Kind),
        };

        var namespaced = showNamespace && kind.Namespaced;
        var nsOf = (JsonElement e) => kind.Api is KindApi.Endpoint or KindApi.Credential ? S(e, "namespace") : Or(S(e, "metadata", "namespace"), "default");
        IReadOnlyList<string> allHeaders = namespaced ? [.. headers.Prepend("NAMESPACE")] : headers;
        var rows = items.Select(e => (IReadOnlyList<string>)(namespaced ? [nsOf(e), .. cells(e)] : cells(e)));
        return (allHeaders, rows);
    }

    private static (string[], Func<JsonElement, string[]>) Resource(string kind) => kind switch
    {
        ResourceKinds.Service => (["NAME", "PORTS", "VERSION"], e => [Name(e), Ports(e), Version(e)]),
        ResourceKinds.VirtualService => (["NAME", "GATEWAYS", "HOSTS", "VERSION"],
            e => [Name(e), List(e, "spec", "gateways"), List(e, "spec", "hosts"), Version(e)]),
        ResourceKinds.DestinationRule => (["NAME", "HOST", "SUBSETS", "VERSION"],
            e => [Name(e), S(e, "spec", "host"), Names(e, "spec", "subsets"), Version(e)]),
        ResourceKinds.ServiceEntry => (["NAME", "HOSTS", "LOCATION", "RESOLUTION", "VERSION"],
            e => [Name(e), List(e, "spec", "hosts"), S(e, "spec", "location"), S(e, "spec", "resolution"), Version(e)]),
        ResourceKinds.WorkloadEntry => (["NAME", "ADDRESS", "LABELS", "VERSION"],
            e => [Name(e), S(e, "spec", "address"), Labels(Get(e, "spec", "labels")), Version(e)]),
        ResourceKinds.PeerAuthentication => (["NAME", "MODE", "VERSION"], e => [Name(e), Or(S(e, "spec", "mtls", "mode"), "-"), Version(e)]),
        ResourceKinds.AuthorizationPolicy => (["NAME", "ACTION", "VERSION"], e => [Name(e), Or(S(e, "spec", "action"), "ALLOW"), Version(e)]),
        _ => (["NAME", "VERSION"], e => [Name(e), Version(e)]),
    };

    private static string Name(JsonElement e) => S(e, "metadata", "name");

    private static string Version(JsonElement e) => S(e, "metadata", "resourceVersion");

    private static string Ports(JsonElement e) =>
        Get(e, "spec", "ports") is { ValueKind: JsonValueKind.Array } ports
            ? string.Join(",", ports.EnumerateArray().Select(p => $"{S(p, "port")}/{Or(S(p, "protocol"), "HTTP")}"))
            : "";

    private static string List(JsonElement e, params string[] path) =>
        Get(e, path) is { ValueKind: JsonValueKind.Array } array ? string.Join(",", array.EnumerateArray().Select(YamlText.Scalar)) : "";

    private static string Names(JsonElement e, params string[] path) =>
        Get(e, path) is { ValueKind: JsonValueKind.Array } array ? string.Join(",", array.EnumerateArray().Select(i => S(i, "name"))) : "";

    public static string Labels(JsonElement labels) =>
        labels.ValueKind == JsonValueKind.Object
            ? Or(string.Join(",", labels.EnumerateObject().Select(p => $"{p.Name}={YamlText.Scalar(p.Value)}")), "<none>")
            : "<none>";

    private static string S(JsonElement e, params string[] path) => YamlText.Scalar(Get(e, path));

    private static string Or(string value, string fallback) => value.Length == 0 ? fallback : value;

    public static JsonElement Get(JsonElement e, params string[] path)
    {
        foreach (var step in path)
        {
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty(step, out e))
            {
                return default;
            }
        }

        return e;
    }
}
