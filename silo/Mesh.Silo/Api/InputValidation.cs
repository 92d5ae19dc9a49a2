using System.Net;
using System.Text.Json;
using Mesh.Contracts.Domains;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;

namespace Mesh.Silo.Api;

/// <summary>Shape checks for registry input and resource envelopes. Istio spec validation lives in Mesh.Istio.</summary>
internal static class InputValidation
{
    private static readonly HashSet<string> Protocols = ["HTTP", "HTTP2", "GRPC", "TCP", "TLS", "HTTPS", "GRPC-WEB", "MONGO", "REDIS", "MYSQL", "UDP"];

    public static void Throw(List<FieldError> errors)
    {
        if (errors.Count > 0)
        {
            throw new ApiValidationException(errors);
        }
    }

    /// <summary>DNS-1123 label: at most 63 lowercase alphanumerics or '-', starting and ending alphanumeric.</summary>
    public static string? CheckDnsLabel(string? value) =>
        string.IsNullOrEmpty(value) ? "is required"
        : value.Length > 63 ? $"'{Clip(value)}' is longer than 63 characters"
        : IsDnsLabel(value) ? null
        : $"'{Clip(value)}' is not a valid DNS-1123 label (lowercase letters, digits and '-', starting and ending with a letter or digit)";

    /// <summary>DNS-1123 subdomain: dot-separated labels, at most 253 characters.</summary>
    public static string? CheckDnsSubdomain(string? value) =>
        string.IsNullOrEmpty(value) ? "is required"
        : value.Length > 253 ? $"'{Clip(value)}' is longer than 253 characters"
        : value.Split('.').All(IsDnsLabel) ? null
        : $"'{Clip(value)}' is not a valid DNS-1123 name (lowercase letters, digits, '-' and '.')";

    public static void CheckNamespace(string? ns, List<FieldError> errors, string field = "metadata.namespace")
    {
        if (CheckDnsLabel(ns) is { } problem)
        {
            errors.Add(new FieldError(field, problem));
        }
    }

    public static void CheckLabels(IReadOnlyDictionary<string, string>? labels, string field, List<FieldError> errors)
    {
        foreach (var (key, value) in labels ?? new Dictionary<string, string>())
        {
            var name = key.Contains('/', StringComparison.Ordinal) ? key[(key.IndexOf('/', StringComparison.Ordinal) + 1)..] : key;
            if (name.Length is 0 or > 63 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                errors.Add(new FieldError($"{field}.{key}", $"label key '{Clip(key)}' is invalid"));
            }

            if (value is null || value.Length > 63 || !value.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
            {
                errors.Add(new FieldError($"{field}.{key}", $"label value '{Clip(value ?? "null")}' is invalid (at most 63 letters, digits, '-', '_', '.')"));
            }
        }
    }

    /// <summary>Checks the envelope every resource shares: kind, apiVersion, metadata and that spec is an object.</summary>
    public static void CheckEnvelope(MeshResource resource, string expectedKind, string expectedGroup, IReadOnlyList<string> versions, List<FieldError> errors)
    {
        if (resource.Kind != expectedKind)
        {
            errors.Add(new FieldError("kind", $"must be '{expectedKind}', got '{Clip(resource.Kind)}'"));
        }

        var apiVersion = resource.ApiVersion ?? "";
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        if (slash < 0 || apiVersion[..slash] != expectedGroup || !versions.Contains(apiVersion[(slash + 1)..]))
        {
            errors.Add(new FieldError("apiVersion", $"'{Clip(apiVersion)}' is not valid for {expectedKind}; use {expectedGroup}/{string.Join(" or ", versions)}"));
        }

        if (resource.Metadata is null)
        {
            errors.Add(new FieldError("metadata", "is required"));
            return;
        }

        if (CheckDnsSubdomain(resource.Metadata.Name) is { } nameProblem)
        {
            errors.Add(new FieldError("metadata.name", nameProblem));
        }

        CheckNamespace(resource.Metadata.Namespace ?? "default", errors);
        CheckLabels(resource.Metadata.Labels, "metadata.labels", errors);
        foreach (var (key, value) in resource.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            CheckStorable(key, "metadata.annotations", errors);
            CheckStorable(value, $"metadata.annotations.{Clip(key)}", errors);
        }

        if (resource.Spec.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new FieldError("spec", "is required and must be an object"));
        }
        else
        {
            errors.AddRange(Istio.Validation.ResourceValidator.CheckText(resource.Spec, "spec").Select(m => new FieldError(m.Path, m.Message)));
        }
    }

    /// <summary>Free text is stored in PostgreSQL (jsonb), which refuses the NUL character; a null is as bad.</summary>
    public static void CheckStorable(string? value, string field, List<FieldError> errors)
    {
        if (value is null)
        {
            errors.Add(new FieldError(field, "must be a string, found null"));
        }
        else if (value.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add(new FieldError(field, "must not contain the NUL character (\\u0000)"));
        }
    }

    public static void CheckServiceSpec(ServiceSpec? spec, List<FieldError> errors)
    {
        if (spec is null)
        {
            errors.Add(new FieldError("spec", "is required"));
            return;
        }

        // The spec is read with the store's lenient options, so JSON nulls arrive as nulls in non-nullable members.
        if (spec.Ports is not { Count: > 0 })
        {
            errors.Add(new FieldError("spec.ports", "at least one port is required"));
            return;
        }

        var names = new HashSet<string>();
        for (var i = 0; i < spec.Ports.Count; i++)
        {
            var port = spec.Ports[i];
            if (port is null)
            {
                errors.Add(new FieldError($"spec.ports[{i}]", "must be an object, found null"));
                continue;
            }

            CheckPort(port.Port, $"spec.ports[{i}].port", errors);
            if (port.TargetPort is { } target)
            {
                CheckPort(target, $"spec.ports[{i}].targetPort", errors);
            }

            if (port.Protocol is null || !Protocols.Contains(port.Protocol))
            {
                errors.Add(new FieldError($"spec.ports[{i}].protocol", $"'{Clip(port.Protocol)}' is not one of {string.Join(", ", Protocols)}"));
            }

            if (!string.IsNullOrEmpty(port.Name) && !names.Add(port.Name))
            {
                errors.Add(new FieldError($"spec.ports[{i}].name", $"duplicate port name '{Clip(port.Name)}'"));
            }
        }

        if (spec.ServiceAccount is { } account && CheckDnsSubdomain(account) is { } problem)
        {
            errors.Add(new FieldError("spec.serviceAccount", problem));
        }

        if (spec.HealthCheck is { } healthCheck)
        {
            errors.AddRange(Istio.Validation.HealthCheckValidator.Validate(healthCheck, "spec.healthCheck").Select(m => new FieldError(m.Path, m.Message)));
        }
    }

    public static void CheckRegistration(EndpointRegistration registration, int maxTtlSeconds, List<FieldError> errors)
    {
        if (CheckDnsLabel(registration.Service) is { } serviceProblem)
        {
            errors.Add(new FieldError("service", serviceProblem));
        }

        if (string.IsNullOrWhiteSpace(registration.Address))
        {
            errors.Add(new FieldError("address", "is required"));
        }
        else if (!IPAddress.TryParse(registration.Address, out _) && CheckDnsSubdomain(registration.Address.ToLowerInvariant()) is not null)
        {
            errors.Add(new FieldError("address", $"'{Clip(registration.Address)}' is neither an IP address nor a DNS name"));
        }

        CheckPort(registration.Port, "port", errors);
        if (registration.SidecarPort is { } sidecarPort)
        {
            CheckPort(sidecarPort, "sidecarPort", errors);
        }

        if (registration.Weight is < 0 or > 1_000_000)
        {
            errors.Add(new FieldError("weight", $"{registration.Weight} is outside 0..1000000"));
        }

        if (registration.TtlSeconds is < 0 || registration.TtlSeconds > maxTtlSeconds)
        {
            errors.Add(new FieldError("ttlSeconds", $"{registration.TtlSeconds} is outside 0..{maxTtlSeconds}"));
        }

        if (registration.Health is { } health && !Enum.IsDefined(health))
        {
            errors.Add(new FieldError("health", $"'{health}' is not Healthy, Unhealthy or Unknown"));
        }

        if (registration.RegisteredBy is { Length: > 253 })
        {
            errors.Add(new FieldError("registeredBy", "is longer than 253 characters"));
        }
        else if (registration.RegisteredBy is { } registeredBy)
        {
            CheckStorable(registeredBy, "registeredBy", errors);
        }

        CheckLabels(registration.Labels, "labels", errors);
    }

    private static void CheckPort(int port, string field, List<FieldError> errors)
    {
        if (port is < 1 or > 65535)
        {
            errors.Add(new FieldError(field, $"{port} is outside 1..65535"));
        }
    }

    private static bool IsDnsLabel(string value) =>
        value.Length is > 0 and <= 63
        && char.IsAsciiLetterLower(value[0]) | char.IsAsciiDigit(value[0])
        && char.IsAsciiLetterLower(value[^1]) | char.IsAsciiDigit(value[^1])
        && value.All(c => char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-');

    /// <summary>Echoes user input back in messages, but never an unbounded amount of it.</summary>
    public static string Clip(string? value) => value is null ? "null" : value.Length <= 80 ? value : value[..80] + "…";
}
