using System.CommandLine;
using Mesh.Cli.Kinds;

namespace Mesh.Cli.Commands;

/// <summary>
/// <c>meshctl create credential NAME --cert FILE --key FILE [--cacert FILE] [-n NS]</c>: stores what Istio users put in
/// a Kubernetes TLS secret (<c>kubectl create secret tls|generic</c>) for a Gateway's or DestinationRule's
/// <c>credentialName</c>. The key goes to the silo and is never printed.
/// </summary>
internal static class CreateCommand
{
    public static Command Create(GlobalOptions options)
    {
        var name = GlobalOptions.NoOptionLikeValues(new Argument<string>("name") { Description = "Credential name (credentialName in Istio resources)" });
        var cert = new Option<FileInfo?>("--cert") { Description = "PEM certificate chain (leaf first)" };
        var key = new Option<FileInfo?>("--key") { Description = "PEM private key of the certificate" };
        var cacert = new Option<FileInfo?>("--cacert") { Description = "PEM CA certificates that verify the peer" };
        var credential = new Command("credential", "Store a TLS credential for credentialName (certificate and key, CA certificates, or both)") { name, cert, key, cacert };
        credential.Aliases.Add("secret");
        options.SetAction(credential, async (parse, ct) =>
        {
            var ns = parse.GetValue(options.Namespace) ?? "default";
            var body = new
            {
                certificate = await ReadAsync(parse.GetValue(cert), ct),
                privateKey = await ReadAsync(parse.GetValue(key), ct),
                caCertificates = await ReadAsync(parse.GetValue(cacert), ct),
            };
            var kind = KindCatalog.Find("credential");
            var credentialName = parse.GetValue(name)!;
            using var client = options.Client(parse);
            var existed = await client.FindAsync<CredentialSummary>(kind.ItemPath(ns, credentialName), ct) is not null;
            var stored = await client.PutAsync<CredentialSummary>(kind.ItemPath(ns, credentialName), body, ct);
            await options.Console.Out.WriteLineAsync($"{kind.DisplayName}/{credentialName} {(existed ? "configured" : "created")} ({stored.Subject ?? "CA certificates only"})");
            return ExitCodes.Success;
        });
        return new Command("create", "Create a credential") { credential };
    }

    private static async Task<string?> ReadAsync(FileInfo? file, CancellationToken ct)
    {
        if (file is null)
        {
            return null;
        }

        try
        {
            return await File.ReadAllTextAsync(file.FullName, ct);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new CliException(ExitCodes.UserError, $"{file.FullName}: {ex.Message}");
        }
    }

    private sealed record CredentialSummary(string? Subject);
}
