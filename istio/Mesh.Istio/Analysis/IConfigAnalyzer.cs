namespace Mesh.Istio.Analysis;

/// <summary>One istioctl analyzer (or a family sharing one walk over the resources).</summary>
internal interface IConfigAnalyzer
{
    void Analyze(AnalysisContext context);
}
