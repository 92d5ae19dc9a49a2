using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Npgsql;

namespace Mesh.Tests.Infrastructure;

/// <summary>
/// A throwaway PostgreSQL cluster started from the machine's binaries (highest version under
/// /usr/lib/postgresql/*/bin) in a temp directory on a free loopback port, or the server named by the
/// <c>MESH_TEST_POSTGRES</c> connection string. Disposing stops the cluster and deletes its directory; a process
/// exit hook does the same if a test run dies without disposing.
/// </summary>
public sealed partial class PostgresServer : IAsyncDisposable
{
    public const string ExternalVariable = "MESH_TEST_POSTGRES";
    private static readonly ConcurrentDictionary<PostgresServer, bool> Running = new();
    private readonly string? _binDirectory;
    private readonly string? _directory;
    private readonly SemaphoreSlim _control = new(1, 1);
    private bool _stopped = true;

    static PostgresServer() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var server in Running.Keys)
        {
            server.Cleanup();
        }
    };

    private PostgresServer(string connectionString, string? binDirectory, string? directory, int port)
    {
        ConnectionString = connectionString;
        _binDirectory = binDirectory;
        _directory = directory;
        Port = port;
    }

    /// <summary>Superuser connection string to the server's <c>postgres</c> database.</summary>
    public string ConnectionString { get; }

    public int Port { get; }

    /// <summary>True when the server came from <c>MESH_TEST_POSTGRES</c>: it cannot be stopped or started.</summary>
    public bool IsExternal => _directory is null;

    /// <summary>
    /// Starts a private cluster, or uses <c>MESH_TEST_POSTGRES</c> when set and <paramref name="allowExternal"/> is
    /// true. Tests that stop the database pass false so they never cut a server others use.
    /// </summary>
    public static async Task<PostgresServer> LaunchAsync(bool allowExternal = true, CancellationToken cancellationToken = default)
    {
        var external = Environment.GetEnvironmentVariable(ExternalVariable);
        if (allowExternal && !string.IsNullOrWhiteSpace(external))
        {
            var builder = new NpgsqlConnectionStringBuilder(external);
            return new PostgresServer(external, null, null, builder.Port);
        }

        var bin = PostgresTools.FindBinaries();
        var directory = Directory.CreateTempSubdirectory("mesh-pg-").FullName;
        try
        {
            await PostgresTools.InitializeClusterAsync(bin, directory, cancellationToken);
            // Another process may grab the port between probing and binding; try a few.
            for (var attempt = 1; ; attempt++)
            {
                var port = TestPorts.Next();
                var server = new PostgresServer(Admin(port), bin, directory, port);
                try
                {
                    await server.StartAsync(cancellationToken);
                    return server;
                }
                catch (InvalidOperationException) when (attempt < 5 && server.LogContains("could not bind"))
                {
                }
            }
        }
        catch
        {
            TryDelete(directory);
            throw;
        }
    }

    /// <summary>Creates (or re-creates, empty) the database <paramref name="name"/> and returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync(string name, CancellationToken cancellationToken = default)
    {
        if (!DatabaseName().IsMatch(name))
        {
            throw new ArgumentException($"Database name '{name}' must match {DatabaseName()}", nameof(name));
        }

        // Unpooled: a server stopped earlier in this test process may have had the same port, and a pooled connection
        // to it would be handed out here and fail on first use (seen: EndOfStreamException in CreateDatabaseAsync).
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false }.ConnectionString;
        await using (var connection = new NpgsqlConnection(admin))
        {
            await connection.OpenAsync(cancellationToken);
            foreach (var sql in new[] { $"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", $"CREATE DATABASE \"{name}\"" })
            {
                await using var command = new NpgsqlCommand(sql, connection);
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
        }

        return new NpgsqlConnectionStringBuilder(ConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Starts the cluster again (same directory and port) after <see cref="StopAsync"/>.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        var directory = RequireOwned();
        await _control.WaitAsync(cancellationToken);
        try
        {
            if (!_stopped)
            {
                return;
            }

            Running[this] = true;
            // Every test class shares this server, and each silo may open up to 100 + 16 connections (Npgsql's and
            // Orleans' pools): with several multi-silo tests at once, PostgreSQL's default of 100 (or 300) runs out.
            var options = $"-p {Port} -k {directory} -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=1000";
            var (exit, output) = await PostgresTools.RunAsync(_binDirectory!, "pg_ctl", ["-D", PostgresTools.DataDirectory(directory), "-l", LogFile(directory), "-w", "-t", "120", "-o", options, "start"], cancellationToken);
            if (exit != 0)
            {
                throw new InvalidOperationException($"pg_ctl start failed ({exit}): {output}\n{ReadLog()}");
            }

            _stopped = false;
        }
        finally
        {
            _control.Release();
        }
    }

    /// <summary>Stops the cluster at once (like a crash), so tests can see how clients cope with a missing database.</summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        var directory = RequireOwned();
        await _control.WaitAsync(cancellationToken);
        try
        {
            if (_stopped)
            {
                return;
            }

            var (exit, output) = await PostgresTools.RunAsync(_binDirectory!, "pg_ctl", ["-D", PostgresTools.DataDirectory(directory), "-m", "immediate", "-w", "stop"], cancellationToken);
            if (exit != 0)
            {
                throw new InvalidOperationException($"pg_ctl stop failed ({exit}): {output}");
            }

            _stopped = true;
        }
        finally
        {
            _control.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (IsExternal)
        {
            return;
        }

        await _control.WaitAsync();
        try
        {
            Cleanup();
        }
        finally
        {
            _control.Release();
        }
    }

    private void Cleanup()
    {
        if (_directory is null || !Running.TryRemove(this, out _))
        {
            return;
        }

        try
        {
            if (!_stopped)
            {
                PostgresTools.RunAsync(_binDirectory!, "pg_ctl", ["-D", PostgresTools.DataDirectory(_directory), "-m", "immediate", "-w", "stop"], CancellationToken.None).GetAwaiter().GetResult();
                _stopped = true;
            }
        }
        finally
        {
            TryDelete(_directory);
        }
    }

    private static string Admin(int port) => new NpgsqlConnectionStringBuilder
    {
        Host = "127.0.0.1",
        Port = port,
        Username = "postgres",
        Database = "postgres",
    }.ConnectionString;

    private string RequireOwned() => _directory ?? throw new InvalidOperationException($"The server from {ExternalVariable} cannot be stopped or started by tests");

    private bool LogContains(string text) => ReadLog().Contains(text, StringComparison.Ordinal);

    private string ReadLog() => _directory is not null && File.Exists(LogFile(_directory)) ? File.ReadAllText(LogFile(_directory)) : "";

    private static string LogFile(string directory) => Path.Combine(directory, "postgres.log");

    private static void TryDelete(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex DatabaseName();
}
