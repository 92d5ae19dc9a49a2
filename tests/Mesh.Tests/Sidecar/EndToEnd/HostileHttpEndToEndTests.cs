using System.Buffers.Binary;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Sidecar.EndToEnd;

/// <summary>
/// One silo, a recording upstream registered as <c>target:9080</c>, a sidecar whose outbound listener the tests call
/// as its app, and a sidecar in front of the same upstream (service <c>inbound</c>) whose plaintext inbound listener
/// the tests call as a peer would. Shared by the class: the vectors run one after another against the same processes.
/// </summary>
public sealed class HostileHttpMesh : IAsyncLifetime
{
    private MeshTestBed? _bed;

    internal RecordingUpstream Upstream { get; private set; } = null!;
    internal SidecarProcess Client { get; private set; } = null!;
    internal SidecarProcess Server { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        _bed = await MeshTestBed.StartAsync(new DiscardingOutput());
        Upstream = _bed.Own(await RecordingUpstream.StartAsync());
        await _bed.AddServiceAsync("target", 9080, [Upstream.Port]);
        await _bed.Silo.Admin.PutServiceAsync(TestResources.Service("inbound", 9080));
        Server = await _bed.StartSidecarAsync("inbound-v1", service: "inbound", appPort: Upstream.Port, labels: "version=v1");
        Client = await _bed.StartSidecarAsync("client");
        await _bed.SyncAsync(Client, Server);
    }

    public async Task DisposeAsync()
    {
        if (_bed is not null)
        {
            await _bed.DisposeAsync();
        }
    }
}

/// <summary>
/// Malformed and hostile HTTP written byte for byte to a real sidecar's outbound and plaintext inbound listeners:
/// the client gets the right 4xx or a closed connection, the process keeps serving, and the upstream either never
/// sees the request or sees it exactly as sent (same body bytes, one framing, no second request smuggled in).
/// </summary>
public sealed class HostileHttpEndToEndTests(ITestOutputHelper output, HostileHttpMesh mesh) : IClassFixture<HostileHttpMesh>
{
    public const string Outbound = "outbound";
    public const string Inbound = "inbound";

    /// <summary>Request heads refused by the listener with the given status, then closed; the upstream gets nothing whole.</summary>
    public static TheoryData<string, string, string, int> Refused()
    {
        const string Post = "POST /{T} HTTP/1.1\r\nHost: {HOST}\r\n";
        var bigHeaders = string.Concat(Enumerable.Range(0, 40).Select(i => $"X-Filler-{i}: {new string('a', 1000)}\r\n"));
        var manyHeaders = string.Concat(Enumerable.Range(0, 101).Select(i => $"X-H{i}: v\r\n"));
        var vectors = new (string Name, string Request, int Status)[]
        {
            ("TwoDifferentContentLengths", Post + "Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", 400),
            ("ContentLengthNegative", Post + "Content-Length: -5\r\n\r\nhello", 400),
            ("ContentLengthWithLetter", Post + "Content-Length: 5a\r\n\r\nhello", 400),
            ("ContentLengthTwoNumbersWithSpace", Post + "Content-Length: 5 5\r\n\r\nhello", 400),
            ("ContentLengthHex", Post + "Content-Length: 0x5\r\n\r\nhello", 400),
            ("TransferEncodingChunkedThenIdentity", Post + "Transfer-Encoding: chunked, identity\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400),
            ("TransferEncodingXchunked", Post + "Transfer-Encoding: xchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400),
            ("TransferEncodingSpaceBeforeColon", Post + "Transfer-Encoding : chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", 400),
            ("ChunkSizeNotHex", Post + "Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
            ("ChunkSizeOverflowingLong", Post + "Transfer-Encoding: chunked\r\n\r\nfffffffffffffffff5\r\nhello\r\n0\r\n\r\n", 400),
            ("ChunkDataLongerThanItsSize", Post + "Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", 400),
            ("ChunkExtensionWithBareLf", Post + "Transfer-Encoding: chunked\r\n\r\n5;ext\nhello\r\n0\r\n\r\n", 400),
            ("ObsFoldHeaderContinuation", Post + "X-A: a\r\n folded\r\nContent-Length: 0\r\n\r\n", 400),
            ("HeaderLineWithoutColon", Post + "X-A a\r\nContent-Length: 0\r\n\r\n", 400),
            ("NulInHeaderValue", Post + "X-A: a\0b\r\nContent-Length: 0\r\n\r\n", 400),
            ("BareCrInHeaderValue", Post + "X-A: a\rb\r\nContent-Length: 0\r\n\r\n", 400),
            ("NonAsciiByteInHeaderName", Post + "X-\u00e9: a\r\nContent-Length: 0\r\n\r\n", 400),
            ("NulInRequestTarget", "GET /{T}\0x HTTP/1.1\r\nHost: {HOST}\r\n\r\n", 400),
            ("HeaderBlockOver32KB", Post + bigHeaders + "Content-Length: 0\r\n\r\n", 431),
            ("SingleHeaderOf40KB", Post + $"X-Big: {new string('b', 40 * 1024)}\r\nContent-Length: 0\r\n\r\n", 431),
            ("MoreThan100Headers", Post + manyHeaders + "Content-Length: 0\r\n\r\n", 431),
            ("RequestLineOver8KB", $"GET /{{T}}?q={new string('q', 9 * 1024)} HTTP/1.1\r\nHost: {{HOST}}\r\n\r\n", 414),
        };
        var data = new TheoryData<string, string, string, int>();
        foreach (var listener in (string[])[Outbound, Inbound])
        {
            foreach (var (name, request, status) in vectors)
            {
                data.Add(listener, name, request, status);
            }
        }

        return data;
    }

    /// <summary>
    /// Odd but valid requests that must reach the upstream as exactly one request with exactly this body
    /// (<c>{LEN}</c> and <c>{HEX}</c> in a request stand for the body's length).
    /// </summary>
    public static TheoryData<string, string, string, string> PassedThrough()
    {
        const string Post = "POST /{T} HTTP/1.1\r\nHost: {HOST}\r\n";
        const string Hidden = "GET /{T}/smuggled HTTP/1.1\r\nHost: {HOST}\r\n\r\n";
        var vectors = new (string Name, string Request, string Body)[]
        {
            ("TransferEncodingWithTabBeforeValue", Post + "Transfer-Encoding:\tchunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", "hello"),
            ("ContentLengthWithSurroundingSpaces", Post + "Content-Length:   5  \r\n\r\nhello", "hello"),
            // Kestrel reads "+5" as 5 (RFC 9110 allows digits only); the upstream gets "Content-Length: 5" and those 5 bytes.
            ("ContentLengthWithPlusSignReadAsItsDigits", Post + "Content-Length: +5\r\n\r\nhello", "hello"),
            ("RequestHiddenInContentLengthBody", Post + "Content-Length: {LEN}\r\n\r\n" + Hidden, Hidden),
            ("TerminatorAndRequestHiddenInOneChunk", Post + "Transfer-Encoding: chunked\r\n\r\n{HEX}\r\n0\r\n\r\n" + Hidden + "\r\n0\r\n\r\n", "0\r\n\r\n" + Hidden),
            ("ChunkExtensionsAndTrailers", Post + "Transfer-Encoding: chunked\r\n\r\n5;a=b;c=\"d;e\"\r\nhello\r\n0\r\nX-Trailer: t\r\n\r\n", "hello"),
            ("ManyTinyChunks", Post + "Transfer-Encoding: chunked\r\n\r\n" + string.Concat(Enumerable.Repeat("1\r\nx\r\n", 2000)) + "0\r\n\r\n", new string('x', 2000)),
        };
        var data = new TheoryData<string, string, string, string>();
        foreach (var listener in (string[])[Outbound, Inbound])
        {
            foreach (var (name, request, body) in vectors)
            {
                data.Add(listener, name, request, body);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Refused))]
    public async Task MalformedRequest_IsRefusedWithItsStatusAndClosed_UpstreamGetsNothingWhole(string listener, string vector, string request, int status)
    {
        var token = Token(vector);
        using var connection = await RawConnection.OpenAsync(Port(listener));
        await connection.TrySendAsync(Encoding.Latin1.GetBytes(Fill(request, listener, token)));

        var response = await connection.ReadResponseAsync();

        Assert.True(response is not null, $"{vector}: the connection closed without an answer");
        Assert.True(response.Status == status, $"{vector}: expected {status}, got {response}: {Encoding.UTF8.GetString(response.Body)}");
        Assert.True(await connection.ClosedAsync(), $"{vector}: the connection stayed open after {status}");
        await AssertUpstreamGotNothingWholeAsync(token);
        await AssertStillServingAsync();
    }

    [Theory]
    [MemberData(nameof(PassedThrough))]
    public async Task OddButValidRequest_ReachesUpstreamOnceWithTheSameBody(string listener, string vector, string request, string body)
    {
        var token = Token(vector);
        var expected = Encoding.Latin1.GetBytes(Fill(body, listener, token));
        var filled = Fill(request, listener, token).Replace("{LEN}", $"{expected.Length}", StringComparison.Ordinal).Replace("{HEX}", $"{expected.Length:x}", StringComparison.Ordinal);
        using var connection = await RawConnection.OpenAsync(Port(listener));
        await connection.SendAsync(filled);

        var response = await connection.ReadResponseAsync();

        Assert.True(response?.Status == 200, $"{vector}: expected 200, got {response}");
        Assert.Equal($"received {expected.Length}", Encoding.UTF8.GetString(response.Body));
        await AssertUpstreamGotExactlyAsync(token, "POST", expected);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(Outbound)]
    [InlineData(Inbound)]
    public async Task ContentLengthAndChunkedTogether_ChunkedWins_UpstreamSeesOneFramingAndNoSmuggledRequest(string listener)
    {
        // CL.TE desync: a proxy honouring Content-Length would forward "0\r\n\r\n" and leave "GET /smuggled" for the next request.
        var token = Token("ClTe");
        var smuggled = Token("ClTeSmuggled");
        var hidden = $"GET /{smuggled} HTTP/1.1\r\nHost: {Host(listener)}\r\n\r\n";
        var chunked = $"5\r\nhello\r\n0\r\n\r\n{hidden}";
        using var connection = await RawConnection.OpenAsync(Port(listener));
        await connection.SendAsync($"POST /{token} HTTP/1.1\r\nHost: {Host(listener)}\r\nContent-Length: {chunked.Length}\r\nTransfer-Encoding: chunked\r\n\r\n{chunked}");

        var response = await connection.ReadResponseAsync();

        output.WriteLine($"CL+TE: {response}");
        Assert.True(response is not null, "the connection closed without an answer");
        if (response.Status == 200)
        {
            await AssertUpstreamGotExactlyAsync(token, "POST", "hello"u8.ToArray());
            // RFC 9112 6.3: a request with both may be an attack; an intermediary must close the connection after it.
            var next = await connection.ReadResponseAsync();
            output.WriteLine($"after CL+TE: {next?.ToString() ?? "closed"}; upstream saw the hidden request {mesh.Upstream.Received(smuggled).Count} times");
            Assert.Null(next);
            Assert.Empty(mesh.Upstream.Received(smuggled));
        }
        else
        {
            Assert.Equal(400, response.Status);
            await AssertUpstreamGotNothingWholeAsync(token);
        }

        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(Outbound)]
    [InlineData(Inbound)]
    public async Task PipelinedRequests_AfterAnExactBody_EachReachesUpstreamInOrder(string listener)
    {
        var token = Token("Pipelined");
        using var connection = await RawConnection.OpenAsync(Port(listener));
        var requests = string.Concat(Enumerable.Range(1, 3).Select(i => $"POST /{token}/{i} HTTP/1.1\r\nHost: {Host(listener)}\r\nContent-Length: 1\r\n\r\n{i}"));
        await connection.SendAsync(requests);

        for (var i = 1; i <= 3; i++)
        {
            var response = await connection.ReadResponseAsync();
            Assert.True(response?.Status == 200, $"pipelined request {i}: {response}");
        }

        var received = mesh.Upstream.Received(token);
        Assert.Equal(["/" + token + "/1", "/" + token + "/2", "/" + token + "/3"], received.Select(r => r.Target));
        Assert.Equal(["1", "2", "3"], received.Select(r => Encoding.ASCII.GetString(r.Body)));
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task AbsoluteFormTarget_WithADifferentHostHeader_Is400AndClosed_UpstreamGetsNothing()
    {
        var token = Token("AbsoluteForm");
        using var connection = await RawConnection.OpenAsync(mesh.Client.OutboundPort);
        await connection.SendAsync($"POST http://target:9080/{token} HTTP/1.1\r\nHost: elsewhere:1234\r\nContent-Length: 5\r\n\r\nhello");

        var response = await connection.ReadResponseAsync();

        Assert.True(response?.Status == 400, $"absolute-form naming another host than Host: {response}");
        Assert.True(await connection.ClosedAsync(), "the connection stayed open after 400");
        await AssertUpstreamGotNothingWholeAsync(token);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task AbsoluteFormTarget_WithItsOwnHost_ReachesUpstreamInOriginForm()
    {
        var token = Token("AbsoluteFormSameHost");
        using var connection = await RawConnection.OpenAsync(mesh.Client.OutboundPort);
        await connection.SendAsync($"POST http://target:9080/{token} HTTP/1.1\r\nHost: target:9080\r\nContent-Length: 5\r\n\r\nhello");

        var response = await connection.ReadResponseAsync();

        Assert.True(response?.Status == 200, $"absolute-form: {response}");
        var onWire = await AssertUpstreamGotExactlyAsync(token, "POST", "hello"u8.ToArray());
        Assert.Equal("target:9080", onWire.Header("Host"));
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(Outbound)]
    [InlineData(Inbound)]
    public async Task BodyOver30MB_NoSidecarLimit_ArrivesWholeAndUnchanged(string listener)
    {
        // Kestrel's default limit is 30,000,000 bytes; the sidecar lifts it (a proxy leaves limits to the app).
        var token = Token("BigBody");
        var body = GeneratedBody.Materialize("start", 32 * 1024 * 1024, "end");
        using var connection = await RawConnection.OpenAsync(Port(listener));
        await connection.SendAsync($"PUT /{token} HTTP/1.1\r\nHost: {Host(listener)}\r\nContent-Length: {body.Length}\r\n\r\n");
        await connection.SendAsync(body);

        var response = await connection.ReadResponseAsync(TimeSpan.FromSeconds(30));

        Assert.True(response?.Status == 200, $"big body: {response}");
        var received = Assert.Single(mesh.Upstream.Received(token));
        Assert.True(await received.Finished);
        Assert.Equal(body.Length, received.Length);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(body)), received.Sha256);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(Outbound)]
    [InlineData(Inbound)]
    public async Task ExpectContinue_ClientWaitsFor100_ThenBodyArrivesOnce(string listener)
    {
        var token = Token("Expect");
        using var connection = await RawConnection.OpenAsync(Port(listener));
        await connection.SendAsync($"POST /{token} HTTP/1.1\r\nHost: {Host(listener)}\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n");

        var interim = await connection.ReadResponseAsync();
        Assert.True(interim?.Status == 100, $"expected 100 Continue before the body, got {interim}");
        await connection.SendAsync("hello");
        var response = await connection.ReadResponseAsync();

        Assert.True(response?.Status == 200, $"after 100-continue: {response}");
        await AssertUpstreamGotExactlyAsync(token, "POST", "hello"u8.ToArray());
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(Outbound)]
    [InlineData(Inbound)]
    public async Task SlowClients_TricklingAndStalledHeaders_DoNotHoldUpOthers_AndTheTrickleIsServed(string listener)
    {
        var token = Token("Slow");
        var stalled = new List<RawConnection>();
        try
        {
            for (var i = 0; i < 50; i++)
            {
                var connection = await RawConnection.OpenAsync(Port(listener));
                stalled.Add(connection);
                await connection.SendAsync($"GET /{token}/stalled HTTP/1.1\r\nHost: {Host(listener)}\r\nX-Stall: ");
            }

            using var slow = await RawConnection.OpenAsync(Port(listener));
            await slow.SendAsync($"GET /{token}/trickle HTTP/1.1\r\nHost: {Host(listener)}\r\nX-Slow: ");
            var others = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var trickle = Task.Run(async () =>
            {
                // One byte every 200 ms (the deliberate trickle) until the others were served, at least five of them.
                for (var sent = 0; sent < 5 || !others.Task.IsCompleted; sent++)
                {
                    Assert.True(sent < 150, "the others were not served within 30 s of trickling");
                    await Task.Delay(200);
                    await slow.SendAsync("t");
                }

                await slow.SendAsync("\r\n\r\n");
            });

            // Others are served while the trickle and 50 stalled heads are open.
            for (var i = 0; i < 5; i++)
            {
                await AssertStillServingAsync();
            }

            Assert.False(trickle.IsCompleted, "the trickle ended before the others were served");
            others.SetResult();
            await trickle;
            var response = await slow.ReadResponseAsync();
            Assert.True(response?.Status == 200, $"the trickled request: {response}");
            Assert.Single(mesh.Upstream.Received($"{token}/trickle"));
            Assert.Empty(mesh.Upstream.Received($"{token}/stalled"));
        }
        finally
        {
            stalled.ForEach(c => c.Dispose());
        }
    }

    [Theory]
    [InlineData(Outbound, false)]
    [InlineData(Outbound, true)]
    [InlineData(Inbound, false)]
    [InlineData(Inbound, true)]
    public async Task ClientVanishingMidBody_UpstreamSeesAnAbortedRequestNotAComplete(string listener, bool chunked)
    {
        var token = Token(chunked ? "VanishChunked" : "VanishLength");
        using (var connection = await RawConnection.OpenAsync(Port(listener)))
        {
            // 64 KB of a megabyte: more than the sidecar's upstream connection buffers before it writes them on.
            var framing = chunked ? "Transfer-Encoding: chunked" : "Content-Length: 1048576";
            await connection.SendAsync($"POST /{token} HTTP/1.1\r\nHost: {Host(listener)}\r\n{framing}\r\n\r\n");
            await connection.SendAsync(chunked ? $"10000\r\n{new string('p', 65536)}\r\n" : new string('p', 65536));
            await Poll.UntilTrueAsync(() => Task.FromResult(mesh.Upstream.Received(token) is [{ Length: > 0 }, ..]), TimeSpan.FromSeconds(10),
                () => "the start of the body never reached the upstream");
            connection.Abort();
        }

        var received = Assert.Single(mesh.Upstream.Received(token));
        Assert.False(await received.Finished.WaitAsync(TimeSpan.FromSeconds(10)), $"the upstream got a complete request of {received.Length} bytes from a client that vanished");
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(Outbound)]
    [InlineData(Inbound)]
    public async Task Http2PriorKnowledge_PingAndSettingsFloods_AreAnsweredOrCut_AndTheListenerKeepsServing(string listener)
    {
        var (frames, goAway) = await FloodHttp2Async(listener, flood =>
        {
            for (var i = 0; i < 5000; i++)
            {
                flood.Write(H2Frame(0x6, 0, 0, new byte[8]));      // PING
                flood.Write(H2Frame(0x4, 0, 0, []));               // SETTINGS
            }
        });

        output.WriteLine($"{listener}: {frames} frames back, GOAWAY {goAway?.ToString() ?? "none"}");
        Assert.True(frames > 0 || goAway is not null, "no HTTP/2 answer at all: h2c prior knowledge is not served here");
        await AssertHttp2ServingAsync(listener);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(Outbound)]
    [InlineData(Inbound)]
    public async Task Http2PriorKnowledge_RapidResetOfThousandsOfStreams_IsAbsorbedOrCut_AndTheListenerKeepsServing(string listener)
    {
        var token = Token("RapidReset");
        var authority = Encoding.ASCII.GetBytes(Host(listener));
        var path = Encoding.ASCII.GetBytes($"/{token}");
        // HPACK: :method GET, :scheme http (static 2, 6), :path and :authority as literals with indexed names (4, 1).
        byte[] block = [0x82, 0x86, 0x04, (byte)path.Length, .. path, 0x01, (byte)authority.Length, .. authority];
        var (frames, goAway) = await FloodHttp2Async(listener, flood =>
        {
            for (var stream = 1; stream < 2 * 5000; stream += 2)
            {
                flood.Write(H2Frame(0x1, 0x4, stream, block));                     // HEADERS, END_HEADERS, no END_STREAM
                flood.Write(H2Frame(0x3, 0, stream, [0, 0, 0, 0x8]));            // RST_STREAM CANCEL
            }
        });

        output.WriteLine($"{listener}: {frames} frames back, GOAWAY {goAway?.ToString() ?? "none"}; upstream saw {mesh.Upstream.Received(token).Count} of 5000 streams");
        // Kestrel's rapid-reset defence: reset streams are dropped before the app runs, or the connection is cut.
        Assert.True(goAway is not null || frames > 0, "no answer to the flood's final PING");
        Assert.True(mesh.Upstream.Received(token).Count < 5000, "every reset stream was proxied anyway");
        await AssertHttp2ServingAsync(listener);
        await AssertStillServingAsync();
    }

    private int Port(string listener) => listener == Outbound ? mesh.Client.OutboundPort : mesh.Server.InboundPort;

    private static string Host(string listener) => listener == Outbound ? "target:9080" : "inbound:9080";

    private static string Token(string vector) => $"{vector}-{Guid.NewGuid():N}";

    private static string Fill(string template, string listener, string token) => template.Replace("{T}", token, StringComparison.Ordinal).Replace("{HOST}", Host(listener), StringComparison.Ordinal);

    /// <summary>The app saw no complete request with the token, and no upstream connection carried one or a piece of one.</summary>
    private async Task AssertUpstreamGotNothingWholeAsync(string token)
    {
        foreach (var received in mesh.Upstream.Received(token))
        {
            Assert.False(await received.Finished.WaitAsync(TimeSpan.FromSeconds(10)), $"the upstream got {received.Method} {received.Target} whole");
        }

        var (requests, _) = mesh.Upstream.Wire();
        Assert.DoesNotContain(requests, r => r.StartLine.Contains(token, StringComparison.Ordinal));
    }

    /// <summary>One request with the token reached the upstream app, as sent, in one framing; on the wire nothing else carried the token.</summary>
    private async Task<RawMessage> AssertUpstreamGotExactlyAsync(string token, string method, byte[] body)
    {
        var received = Assert.Single(mesh.Upstream.Received(token));
        Assert.True(await received.Finished.WaitAsync(TimeSpan.FromSeconds(10)), "the upstream's read of the body failed");
        Assert.Equal(method, received.Method);
        Assert.Equal("/" + token, received.Target);
        Assert.Equal(Encoding.Latin1.GetString(body), Encoding.Latin1.GetString(received.Body));

        var (requests, leftovers) = mesh.Upstream.Wire();
        var onWire = Assert.Single(requests, r => r.StartLine.Contains(token, StringComparison.Ordinal));
        Assert.Equal($"{method} /{token} HTTP/1.1", onWire.StartLine);
        Assert.Equal(body, onWire.Body);
        Assert.False(onWire.Header("Content-Length") is not null && onWire.Header("Transfer-Encoding") is not null, $"two framings: {onWire}");
        Assert.DoesNotContain(leftovers, l => Encoding.Latin1.GetString(l).Contains(token, StringComparison.Ordinal));
        return onWire;
    }

    /// <summary>The process is alive and a plain request through each listener reaches the upstream.</summary>
    private async Task AssertStillServingAsync()
    {
        foreach (var sidecar in new[] { mesh.Client, mesh.Server })
        {
            Assert.False(sidecar.Process.HasExited, $"the sidecar exited:\n{sidecar.Process.Output}");
            Assert.DoesNotContain("Unhandled exception", sidecar.Process.Output, StringComparison.Ordinal);
        }

        foreach (var listener in (string[])[Outbound, Inbound])
        {
            var token = Token("Healthy");
            using var connection = await RawConnection.OpenAsync(Port(listener));
            await connection.SendAsync($"GET /{token} HTTP/1.1\r\nHost: {Host(listener)}\r\n\r\n");
            var response = await connection.ReadResponseAsync();
            Assert.True(response?.Status == 200, $"{listener}: a plain GET afterwards got {response}");
        }
    }

    private async Task AssertHttp2ServingAsync(string listener)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        using var request = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{Port(listener)}/{Token("H2")}")
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
        };
        request.Headers.Host = Host(listener);
        using var response = await client.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(HttpVersion.Version20, response.Version);
    }

    /// <summary>
    /// Opens an h2c connection (preface, empty SETTINGS), writes the flood and a final PING in one go while reading,
    /// and reads until that PING's acknowledgement, a GOAWAY or the close.
    /// </summary>
    private async Task<(int Frames, string? GoAway)> FloodHttp2Async(string listener, Action<MemoryStream> writeFlood)
    {
        using var connection = await RawConnection.OpenAsync(Port(listener));
        using var flood = new MemoryStream();
        flood.Write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"u8);
        flood.Write(H2Frame(0x4, 0, 0, []));
        writeFlood(flood);
        flood.Write(H2Frame(0x6, 0, 0, "lastping"u8.ToArray()));
        var sending = connection.TrySendAsync(flood.ToArray());
        var answer = await ReadH2UntilAsync(connection, frame => frame.Type == 0x6 && frame.Payload.SequenceEqual("lastping"u8.ToArray()));
        await sending;
        return answer;
    }

    private static byte[] H2Frame(byte type, byte flags, int stream, byte[] payload)
    {
        var frame = new byte[9 + payload.Length];
        frame[0] = (byte)(payload.Length >> 16);
        frame[1] = (byte)(payload.Length >> 8);
        frame[2] = (byte)payload.Length;
        frame[3] = type;
        frame[4] = flags;
        BinaryPrimitives.WriteInt32BigEndian(frame.AsSpan(5), stream);
        payload.CopyTo(frame, 9);
        return frame;
    }

    private sealed record H2Received(byte Type, byte Flags, byte[] Payload);

    /// <summary>Reads frames until <paramref name="last"/> matches, a GOAWAY arrives or the connection closes.</summary>
    private static async Task<(int Frames, string? GoAway)> ReadH2UntilAsync(RawConnection connection, Func<H2Received, bool> last)
    {
        var frames = 0;
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var header = await connection.ReadBytesAsync(9, TimeSpan.FromSeconds(20));
            if (header.Length < 9)
            {
                return (frames, null);
            }

            var length = (header[0] << 16) | (header[1] << 8) | header[2];
            var payload = length == 0 ? [] : await connection.ReadBytesAsync(length, TimeSpan.FromSeconds(20));
            var frame = new H2Received(header[3], header[4], payload);
            frames++;
            if (frame.Type == 0x7)
            {
                return (frames, $"error {BinaryPrimitives.ReadInt32BigEndian(payload.AsSpan(4))}");
            }

            if (last(frame))
            {
                return (frames, null);
            }
        }

        throw new TimeoutException("the HTTP/2 answer never ended");
    }
}
