using System.Collections;
using Mesh.Sidecar.Hosting;

namespace Mesh.Tests.Sidecar.Hosting;

public sealed class SidecarLocalityParserTests
{
    [Theory]
    [InlineData(new[] { "--locality", "us-west/zone1/rack7" }, "us-west/zone1/rack7", "us-west zone1 rack7")]
    [InlineData(new[] { "--locality", "us-west" }, "us-west//", "us-west - -")]
    [InlineData(new[] { "--zone", "z1" }, "/z1/", "- z1 -")]
    [InlineData(new[] { "--zone", "z1", "--locality", "r1/z1" }, "r1/z1/", "r1 z1 -")]
    [InlineData(new[] { "--labels", "topology.kubernetes.io/region=r2,topology.kubernetes.io/zone=z2,topology.istio.io/subzone=s2" }, "r2/z2/s2", "r2 z2 s2")]
    [InlineData(new[] { "--labels", "zone=z3" }, "/z3/", "- z3 -")]
    public void Parse_LocalitySources_OptionsAndRegisteredLabels(string[] args, string expected, string labels)
    {
        var options = SidecarOptionsParser.Parse(args, new Hashtable());

        Assert.Equal(expected, $"{options.Region}/{options.Zone}/{options.Subzone}");
        string Label(string key) => options.Labels.TryGetValue(key, out var value) ? value : "-";
        // The registered endpoint carries the locality, so other sidecars rank it the same way.
        Assert.Equal(labels, $"{Label("topology.kubernetes.io/region")} {Label("zone")} {Label("topology.istio.io/subzone")}");
    }

    [Fact]
    public void Parse_LocalityFromEnvironment_Read()
    {
        var options = SidecarOptionsParser.Parse([], new Hashtable { ["MESH_LOCALITY"] = "eu/eu-1a" });

        Assert.Equal(("eu", "eu-1a"), (options.Region, options.Zone));
    }

    [Theory]
    [InlineData(new[] { "--locality", "us/*" }, "--locality 'us/*'")]
    [InlineData(new[] { "--locality", "us//r1" }, "--locality 'us//r1'")]
    [InlineData(new[] { "--locality", "a/b/c/d" }, "--locality 'a/b/c/d'")]
    [InlineData(new[] { "--zone", "z2", "--locality", "r1/z1" }, "--zone 'z2' contradicts --locality 'r1/z1'")]
    public void Parse_BadLocality_ErrorNamesFlag(string[] args, string expected)
    {
        var error = Assert.Throws<SidecarOptionsException>(() => SidecarOptionsParser.Parse(args, new Hashtable()));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
