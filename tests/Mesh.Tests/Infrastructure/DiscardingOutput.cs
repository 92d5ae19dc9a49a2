using Xunit.Abstractions;

namespace Mesh.Tests.Infrastructure;

/// <summary>Process output of a shared fixture outlives any one test's output helper; failures quote it instead.</summary>
internal sealed class DiscardingOutput : ITestOutputHelper
{
    public void WriteLine(string message)
    {
    }

    public void WriteLine(string format, params object[] args)
    {
    }
}
