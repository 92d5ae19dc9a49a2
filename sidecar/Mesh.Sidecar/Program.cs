using Yarp.ReverseProxy.Forwarder;

// Skeleton until the sidecar issue: proves the YARP reference resolves.
Console.WriteLine(typeof(IHttpForwarder).Assembly.GetName());
