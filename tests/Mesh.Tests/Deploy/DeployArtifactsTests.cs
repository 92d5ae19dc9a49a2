using System.Text.RegularExpressions;
using Mesh.Tests.Infrastructure;
using Xunit;
using YamlDotNet.RepresentationModel;

namespace Mesh.Tests.Deploy;

/// <summary>
/// What can be checked of deploy/ without a container engine or a cluster: every YAML parses, the manifests and the
/// compose file reference things that exist, the Dockerfiles publish real projects and start their real dll, and
/// scripts/check-deploy.sh (systemd-analyze, kubectl kustomize, meshctl --dry-run, bash -n) passes.
/// </summary>
public sealed class DeployArtifactsTests
{
    private static readonly string Deploy = Path.Combine(MeshPaths.RepositoryRoot, "deploy");

    [Fact]
    public async Task CheckDeployScript_ToolsOnThisMachine_Pass()
    {
        await using var check = ManagedProcess.Start("check-deploy", "bash", [Path.Combine(MeshPaths.RepositoryRoot, "scripts/check-deploy.sh")],
            new Dictionary<string, string?> { ["MESH_CONFIGURATION"] = MeshPaths.Configuration });
        var exit = await check.WaitForExitAsync(TimeSpan.FromMinutes(3));
        Assert.True(exit == 0, check.Output);
        Assert.Contains("checked: meshctl apply --dry-run deploy/local/mesh", check.Output, StringComparison.Ordinal);
    }

    [Fact]
    public void KubernetesManifests_Parsed_SiloHasThreeReplicasSecretSettingsAndWorkloadHasSidecar()
    {
        var documents = Directory.GetFiles(Path.Combine(Deploy, "kubernetes"), "*.yaml").Where(f => !f.EndsWith("kustomization.yaml", StringComparison.Ordinal))
            .SelectMany(Load).ToList();
        foreach (var doc in documents)
        {
            Assert.False(string.IsNullOrEmpty(Scalar(doc, "apiVersion")), "a manifest without apiVersion");
            Assert.False(string.IsNullOrEmpty(Scalar(doc, "metadata", "name")), $"a {Scalar(doc, "kind")} without metadata.name");
        }

        var silo = documents.Single(d => Scalar(d, "kind") == "Deployment" && Scalar(d, "metadata", "name") == "mesh-silo");
        Assert.Equal("3", Scalar(silo, "spec", "replicas"));
        var env = Sequence(Sequence(silo, "spec", "template", "spec", "containers")[0], "env");
        var postgres = env.Single(e => Scalar(e, "name") == "MESH_POSTGRES");
        Assert.Equal("mesh-silo", Scalar(postgres, "valueFrom", "secretKeyRef", "name"));
        Assert.Contains(documents, d => Scalar(d, "kind") == "Service" && Scalar(d, "metadata", "name") == "mesh-silo");
        var pod = documents.Single(d => Scalar(d, "kind") == "Pod");
        Assert.Contains(Sequence(pod, "spec", "containers"), c => Scalar(c, "image")!.StartsWith("mesh-sidecar", StringComparison.Ordinal));
    }

    [Fact]
    public void ComposeFile_Services_ReferenceExistingDockerfilesServicesAndFolders()
    {
        var compose = (YamlMappingNode)Load(Path.Combine(Deploy, "compose", "docker-compose.yaml")).Single();
        var services = (YamlMappingNode)compose["services"];
        var names = services.Children.Keys.Select(k => k.ToString()).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string>(StringComparer.Ordinal) { "postgres", "silo-1", "silo-2", "tokenizer", "model-v1", "model-v2", "ranker", "ingressgateway" }, names);
        var composeDir = Path.Combine(Deploy, "compose");
        foreach (var (name, node) in services.Children.Select(c => (c.Key.ToString(), Merged((YamlMappingNode)c.Value))))
        {
            if (node.TryGetValue("build", out var build))
            {
                var context = Path.GetFullPath(Path.Combine(composeDir, Scalar(build, "context")!));
                Assert.True(File.Exists(Path.Combine(context, Scalar(build, "dockerfile")!)), $"{name}: {Scalar(build, "dockerfile")} does not exist");
            }

            if (node.TryGetValue("network_mode", out var mode))
            {
                Assert.Contains(mode.ToString()["service:".Length..], names);
            }

            foreach (var dependency in node.TryGetValue("depends_on", out var deps) ? ((YamlSequenceNode)deps).Select(d => d.ToString()) : [])
            {
                Assert.Contains(dependency, names);
            }

            foreach (var volume in node.TryGetValue("volumes", out var volumes) ? ((YamlSequenceNode)volumes).Select(v => v.ToString().Split(':')[0]) : [])
            {
                Assert.True(!volume.StartsWith('.') || Directory.Exists(Path.Combine(composeDir, volume)), $"{name}: volume source {volume} does not exist");
            }
        }
    }

    [Fact]
    public void Dockerfiles_MultiStage_PublishExistingProjectsAndStartTheirAssembly()
    {
        var dockerfiles = Directory.GetFiles(Path.Combine(Deploy, "docker"), "*.Dockerfile");
        Assert.Equal(4, dockerfiles.Length);
        foreach (var file in dockerfiles)
        {
            var text = File.ReadAllText(file);
            Assert.True(Regex.Count(text, @"^FROM ", RegexOptions.Multiline | RegexOptions.NonBacktracking) >= 2, $"{file} is not multi-stage");
            // The sidecar ships self-contained (scripts/publish-sidecar.sh) and starts as its own executable.
            var selfContained = text.Contains("RUN scripts/publish-sidecar.sh", StringComparison.Ordinal);
            var project = selfContained ? "sidecar/Mesh.Sidecar/Mesh.Sidecar.csproj" : Regex.Match(text, @"dotnet publish (\S+\.csproj)", RegexOptions.NonBacktracking).Groups[1].Value;
            var csproj = Path.Combine(MeshPaths.RepositoryRoot, project);
            Assert.True(File.Exists(csproj), $"{file}: {project} does not exist");
            var assembly = Regex.Match(File.ReadAllText(csproj), "<AssemblyName>([^<]+)</AssemblyName>", RegexOptions.NonBacktracking).Groups[1].Value;
            Assert.Contains(selfContained ? $"ENTRYPOINT [\"./{assembly}\"]" : $"ENTRYPOINT [\"dotnet\", \"{assembly}.dll\"]", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void SystemdUnits_ExecStart_NamesTheBuiltPrograms()
    {
        Assert.Contains("ExecStart=/usr/bin/dotnet /opt/mesh/silo/mesh-silo.dll", File.ReadAllText(Path.Combine(Deploy, "systemd", "mesh-silo.service")), StringComparison.Ordinal);
        Assert.Contains("ExecStart=/opt/mesh/sidecar/mesh-sidecar", File.ReadAllText(Path.Combine(Deploy, "systemd", "mesh-sidecar@.service")), StringComparison.Ordinal);
        var sidecarProject = File.ReadAllText(Path.Combine(MeshPaths.RepositoryRoot, "sidecar", "Mesh.Sidecar", "Mesh.Sidecar.csproj"));
        Assert.Contains("<AssemblyName>mesh-sidecar</AssemblyName>", sidecarProject, StringComparison.Ordinal);
        Assert.Contains("<SelfContained>true</SelfContained>", sidecarProject, StringComparison.Ordinal);
    }

    private static IEnumerable<YamlNode> Load(string file)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(file);
        stream.Load(reader);
        return stream.Documents.Select(d => d.RootNode);
    }

    /// <summary>Applies YAML merge keys (<c>&lt;&lt;: *anchor</c>), which the representation model keeps as a plain key.</summary>
    private static Dictionary<string, YamlNode> Merged(YamlMappingNode node)
    {
        var result = new Dictionary<string, YamlNode>(StringComparer.Ordinal);
        if (node.Children.TryGetValue(new YamlScalarNode("<<"), out var merged) && merged is YamlMappingNode parent)
        {
            foreach (var (key, value) in Merged(parent))
            {
                result[key] = value;
            }
        }

        foreach (var (key, value) in node.Children.Where(c => c.Key.ToString() != "<<"))
        {
            result[key.ToString()] = value;
        }

        return result;
    }

    private static YamlNode? Node(YamlNode node, params string[] path)
    {
        foreach (var key in path)
        {
            if (node is not YamlMappingNode map || !map.Children.TryGetValue(new YamlScalarNode(key), out var next))
            {
                return null;
            }

            node = next;
        }

        return node;
    }

    private static string? Scalar(YamlNode node, params string[] path) => (Node(node, path) as YamlScalarNode)?.Value;

    private static List<YamlNode> Sequence(YamlNode node, params string[] path) => [.. (YamlSequenceNode)Node(node, path)!];
}
