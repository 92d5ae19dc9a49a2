using System.Diagnostics;
using System.Text.Json;
using Mesh.Contracts.Json;
using Mesh.Contracts.Registry;
using Mesh.Contracts.Resources;
using Mesh.Silo;
using Mesh.Silo.Cache;
using Mesh.Silo.Federation;
using Mesh.Storage.Abstractions;

// How long one silo takes to build one peer's exports from its resource cache, which it does after every change the
// cache sees, for every peer. Usage: dotnet Mesh.Bench.Export.dll [services=5000] [endpoints per service=20]
// [exported services=2] [builds=21]
int Arg(int index, int fallback) => args.Length > index ? int.Parse(args[index]) : fallback;
var (services, perService, exportedCount, builds) = (Arg(0, 5_000), Arg(1, 20), Arg(2, 2), Arg(3, 21));

var stored = new List<StoredResource>();
for (var s = 0; s < services; s++)
{
    stored.Add(Stored(ResourceKinds.Service, $"svc-{s}", new ServiceSpec { Ports = [new ServicePort { Name = "http", Port = 80 }] }));
    for (var e = 0; e < perService; e++)
    {
        stored.Add(Stored(ResourceKinds.Endpoint, $"svc-{s}-{e}", new EndpointSpec { Service = $"svc-{s}", Address = $"10.0.{s % 250}.{e}", Port = 8080 }));
    }
}

var exported = string.Join(",", Enumerable.Range(0, exportedCount).Select(s => $$"""{"name":"svc-{{s}}","consumers":[{"peer":"west"}]}"""));
stored.Add(new StoredResource(new MeshResource
{
    ApiVersion = "mesh.dev/v1",
    Kind = ResourceKinds.ExportedServices,
    Metadata = new ResourceMetadata { Name = "default", Namespace = "default" },
    Spec = JsonDocument.Parse($$"""{"services":[{{exported}}]}""").RootElement.Clone(),
}, null));

var cache = new ResourceCache(TimeProvider.System, new SiloOptions());
cache.LoadSnapshot(new StoreSnapshot(stored.Count, stored));
var builder = new ExportBuilder(cache, new SiloOptions());
var first = builder.Build("west");
var times = new List<double>();
for (var i = 0; i < builds; i++)
{
    var started = Stopwatch.GetTimestamp();
    builder.Build("west");
    times.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
}

times.Sort();
Console.WriteLine($"machine: {Environment.ProcessorCount} cores, .NET {Environment.Version}");
Console.WriteLine($"{services} services x {perService} endpoints, {first.Services.Count} exported to the peer: " +
    $"build median {times[times.Count / 2]:F1} ms (min {times[0]:F1}, max {times[^1]:F1}) over {builds} builds");

static StoredResource Stored<T>(string kind, string name, T spec) => new(new MeshResource
{
    ApiVersion = "mesh.dev/v1",
    Kind = kind,
    Metadata = new ResourceMetadata { Name = name, Namespace = "default" },
    Spec = MeshJson.ToElement(spec),
}, null);
