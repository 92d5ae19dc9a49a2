using Mesh.Routing.Compilation;

namespace Mesh.Tests.Routing;

public sealed class IstioDurationTests
{
    [Theory]
    [InlineData("1h", 3_600_000)]
    [InlineData("3s", 3_000)]
    [InlineData("250ms", 250)]
    [InlineData("1.5s", 1_500)]
    [InlineData("1m30s", 90_000)]
    [InlineData("0.001s", 1)]
    [InlineData("0", 0)]
    [InlineData("1500us", 1.5)]
    public void TryParse_ValidDuration_ReturnsValue(string text, double milliseconds)
    {
        Assert.True(IstioDuration.TryParse(text, out var value));
        Assert.Equal(milliseconds, value.TotalMilliseconds, 6);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("-1s")]
    [InlineData("1x")]
    [InlineData("s")]
    [InlineData("1..5s")]
    [InlineData("99999999999h")]
    public void TryParse_InvalidDuration_ReturnsFalse(string text)
    {
        Assert.False(IstioDuration.TryParse(text, out _));
    }
}
