namespace Mesh.Demo.Hosting;

/// <summary>The demo's log events (one table of ids).</summary>
internal static partial class DemoLog
{
    [LoggerMessage(1, LogLevel.Information, "{Role} {Version} ready")]
    public static partial void Ready(ILogger logger, string role, string version);

    [LoggerMessage(2, LogLevel.Information, "Model {Version} trained: order {Order}, temperature {Temperature}, {Contexts} contexts from corpora {Corpora}")]
    public static partial void ModelTrained(ILogger logger, string version, int order, double temperature, int contexts, string corpora);

    [LoggerMessage(3, LogLevel.Warning, "Model {Version} fault switch: failing={Failing}")]
    public static partial void FaultSwitch(ILogger logger, string version, bool failing);
}
