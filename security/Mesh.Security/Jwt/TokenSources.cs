namespace Mesh.Security.Jwt;

/// <summary>
/// Lookups into the current request, so the authenticator does not depend on ASP.NET types. Each returns the first
/// value or null, e.g. <c>new TokenSources(n => req.Headers[n].FirstOrDefault(), n => req.Query[n].FirstOrDefault(), n => req.Cookies[n])</c>.
/// </summary>
public sealed record TokenSources(Func<string, string?> Header, Func<string, string?> QueryParameter, Func<string, string?>? Cookie = null);
