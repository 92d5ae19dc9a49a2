namespace Mesh.Demo.Model;

/// <summary>The operator's switch that makes this model version answer 500, to show outlier detection at work.</summary>
internal sealed class FailureSwitch
{
    private volatile bool _failing;

    public bool Failing
    {
        get => _failing;
        set => _failing = value;
    }
}
