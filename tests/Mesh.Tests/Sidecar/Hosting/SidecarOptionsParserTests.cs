using System.Collections;
using System.Net;
using Mesh.Sidecar.Hosting;

namespace Mesh.Tests.Sidecar.Hosting;

public sealed class SidecarOptionsParserTests
{
    [Fact]
    public void Parse_AllFlags_Read()
    {
        var options = SidecarOptionsParser.Parse(
        [
            "--silo", "http://127.0.0.1:1,http://127.0.0.1:2", "--token", "t", "--namespace", "shop", "--service", "reviews",
            "--labels", "version=v2,team=a", "--app-port", "9080", "--outbound-port", "0", "--inbound-port=15006", "--admin-port", "15000",
            "--state-file", "/tmp/s.json", "--zone", "z1", "--id", "reviews-1", "--address", "10.1.2.3", "--mode", "gateway", "--upstream-http", "2",
            "--dependencies", "default/reviews, */ratings",
        ], new Hashtable());

        Assert.Equal(2, options.Silos.Count);
        Assert.Equal("shop", options.Namespace);
        Assert.Equal("v2", options.Version);
        Assert.Equal("z1", options.Labels["zone"]);
        Assert.Equal("z1", options.Zone);
        Assert.Equal(9080, options.AppPort);
        Assert.Equal(0, options.OutboundPort);
        Assert.Equal(15006, options.InboundPort);
        Assert.Equal("reviews-v2", options.Workload);
        Assert.Equal(SidecarMode.Gateway, options.Mode);
        Assert.Equal(HttpVersion.Version20, options.UpstreamHttpVersion);
        Assert.Equal(["default/reviews", "*/ratings"], options.Dependencies);
    }

    [Fact]
    public void Parse_NoDependencies_NullMeansEverything()
    {
        Assert.Null(SidecarOptionsParser.Parse([], new Hashtable()).Dependencies);
    }

    [Fact]
    public void Parse_EnvironmentVariables_UsedWhenNoFlag()
    {
        var env = new Hashtable { ["MESH_SERVICE"] = "ratings", ["MESH_APP_PORT"] = "8080", ["MESH_SILO"] = "http://127.0.0.1:9" };

        var options = SidecarOptionsParser.Parse(["--service", "details"], env);

        Assert.Equal("details", options.Service);
        Assert.Equal(8080, options.AppPort);
        Assert.Single(options.Silos);
    }

    [Theory]
    [InlineData("--app-port", "99999", "--app-port '99999'")]
    [InlineData("--silo", "ftp://x", "--silo 'ftp://x'")]
    [InlineData("--labels", "novalue", "--labels entry 'novalue'")]
    [InlineData("--mode", "router", "--mode 'router'")]
    [InlineData("--bogus", "1", "unknown flag '--bogus'")]
    public void Parse_BadValue_ErrorNamesFlagAndValue(string flag, string value, string expected)
    {
        var error = Assert.Throws<SidecarOptionsException>(() => SidecarOptionsParser.Parse([flag, value], new Hashtable()));

        Assert.Contains(expected, error.Message);
    }
}
