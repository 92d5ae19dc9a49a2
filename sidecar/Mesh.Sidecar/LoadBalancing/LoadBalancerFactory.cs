using Mesh.Routing.Model;

namespace Mesh.Sidecar.LoadBalancing;

internal static class LoadBalancerFactory
{
    public static ILoadBalancer Create(LoadBalancerConfig config, EndpointRuntime[] endpoints, Random random) => config.Algorithm switch
    {
        LoadBalancerAlgorithm.LeastRequest => new LeastRequestBalancer(random),
        LoadBalancerAlgorithm.Random => new RandomBalancer(random),
        LoadBalancerAlgorithm.ConsistentHash when config.HashKey is { } key => new RingHashBalancer(endpoints, key, config.MinimumRingSize, random),
        LoadBalancerAlgorithm.InferencePicker when config.Inference is { } inference => new InferenceEndpointPicker(endpoints, inference, random),
        _ => new RoundRobinBalancer(endpoints),
    };
}
