using Mesh.Security;
using Mesh.Security.Authorization;
using static Mesh.Tests.Security.Authorization.AuthorizationCase;

namespace Mesh.Tests.Security.Authorization;

public sealed class AuthorizationValidationTests
{
    [Theory]
    [InlineData("""{"rules":[{"from":[{"source":{"ipBlocks":["10.0.0/8"]}}]}]}""", "rules[0].from[0].source.ipBlocks[0]")]
    [InlineData("""{"rules":[{"from":[{"source":{"notIpBlocks":["10.0.0.0/33"]}}]}]}""", "rules[0].from[0].source.notIpBlocks[0]")]
    [InlineData("""{"rules":[{"to":[{"operation":{"ports":["http"]}}]}]}""", "rules[0].to[0].operation.ports[0]")]
    [InlineData("""{"rules":[{"to":[{"operation":{"paths":["/a*b"]}}]}]}""", "rules[0].to[0].operation.paths[0]")]
    [InlineData("""{"rules":[{},{"when":[{"key":"request.magic","values":["x"]}]}]}""", "rules[1].when[0].key")]
    [InlineData("""{"rules":[{"when":[{"key":"request.headers[x]"}]}]}""", "needs values or notValues")]
    public void Create_InvalidPolicy_ThrowsNamingTheField(string spec, string expected)
    {
        var ex = Assert.Throws<PolicyValidationException>(() => AuthorizationEvaluator.Create([Policy("shop", "bad", spec)]));

        Assert.Contains(expected, ex.Message);
        Assert.Contains("shop/bad", ex.Message);
        Assert.NotEmpty(AuthorizationEvaluator.Validate(Policy("shop", "bad", spec).Spec));
    }

    [Fact]
    public void Validate_ValidPolicy_ReturnsNoErrors()
    {
        var spec = Policy("shop", "ok", """{"action":"DENY","rules":[{"from":[{"source":{"ipBlocks":["::1/128"]}}],"when":[{"key":"request.auth.claims[a][b]","values":["x"]}]}]}""").Spec;

        Assert.Empty(AuthorizationEvaluator.Validate(spec));
    }
}
