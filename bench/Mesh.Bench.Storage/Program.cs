using Mesh.Bench.Storage;

// Endpoint registrations per second straight into the PostgreSQL store (group commit, durable commits),
// against the same store with group commit off (one request per transaction) as the peer in the same run.
var options = BenchOptions.Parse(args);
await using var server = await Mesh.Tests.Infrastructure.PostgresServer.LaunchAsync();
var bench = new RegistrationBench(server, options);
Console.WriteLine($"registrations={options.Registrations} concurrency={options.Concurrency} runs={options.Runs}");

var grouped = await bench.MeasureAsync("group commit", options.MaxBatchSize, options.Registrations);
var serialized = await bench.MeasureAsync("one request per transaction", 1, options.PeerRegistrations);

Console.WriteLine();
Console.WriteLine($"median group commit:             {grouped:F0} registrations/s");
Console.WriteLine($"median one request/transaction:  {serialized:F0} registrations/s");
Console.WriteLine($"ratio:                           {grouped / serialized:F1}x");
