using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Mesh.Sidecar.Listeners;

/// <summary>
/// The ports the three listeners actually bound (a configured 0 means "any free port"), known once Kestrel has
/// started. Requests are dispatched by the local port they arrived on.
/// </summary>
internal sealed class ListenerPorts
{
    private readonly TaskCompletionSource _started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ListenOptions? _outbound;
    private ListenOptions? _inbound;
    private ListenOptions? _admin;
    private ListenOptions? _gatewayHttps;

    public int Outbound { get; private set; }
    public int Inbound { get; private set; }
    public int Admin { get; private set; }

    /// <summary>The gateway's HTTPS listener, or 0 when there is none.</summary>
    public int GatewayHttps { get; private set; }

    public Task Started => _started.Task;

    public void Bind(ListenOptions outbound, ListenOptions inbound, ListenOptions admin, ListenOptions? gatewayHttps = null) =>
        (_outbound, _inbound, _admin, _gatewayHttps) = (outbound, inbound, admin, gatewayHttps);

    /// <summary>Reads the bound ports; Kestrel updates each ListenOptions' endpoint when it binds port 0.</summary>
    public void MarkStarted()
    {
        Outbound = PortOf(_outbound);
        Inbound = PortOf(_inbound);
        Admin = PortOf(_admin);
        GatewayHttps = PortOf(_gatewayHttps);
        _started.TrySetResult();
    }

    private static int PortOf(ListenOptions? options) => (options?.EndPoint as IPEndPoint)?.Port ?? 0;
}
