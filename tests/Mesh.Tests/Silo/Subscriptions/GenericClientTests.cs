using System.Net.Http.Json;
using System.Text.Json;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core;
using Grpc.Net.Client;
using Grpc.Reflection.V1Alpha;
using Mesh.Contracts.Cluster;
using Mesh.Contracts.Json;
using Mesh.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Mesh.Tests.Silo.Subscriptions;

/// <summary>
/// A client that is not ours: it learns the contract from the silo's gRPC server reflection and speaks it with
/// messages encoded and decoded from those descriptors alone (no generated types), proving the .proto is complete.
/// </summary>
public sealed class GenericClientTests(ITestOutputHelper output) : IAsyncLifetime
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(15);
    private SiloProcess _silo = null!;

    public async Task InitializeAsync() => _silo = await SiloProcess.StartAsync(log: output);

    public async Task DisposeAsync() => await _silo.DisposeAsync();

    [Fact]
    public async Task Subscribe_ClientBuiltFromReflection_ReceivesAndAcksResources()
    {
        using var channel = GrpcChannel.ForAddress(_silo.BaseAddress);
        var service = await DiscoverAsync(channel, "mesh.discovery.v1.MeshDiscovery");
        var method = service.FindMethodByName("Subscribe");
        Assert.True(method.IsClientStreaming && method.IsServerStreaming);
        var (request, response) = (method.InputType, method.OutputType);
        await _silo.Admin.PutServiceAsync(TestResources.Service("reviews"));

        var raw = new Method<byte[], byte[]>(MethodType.DuplexStreaming, service.FullName, method.Name,
            Marshallers.Create((byte[] b) => b, b => b), Marshallers.Create((byte[] b) => b, b => b));
        using var call = channel.CreateCallInvoker().AsyncDuplexStreamingCall(raw, null, new CallOptions());
        var subscribe = request.FindFieldByName("subscribe").MessageType;
        var node = Encode(subscribe.FindFieldByName("node").MessageType, ("id", "generic"), ("namespace", "default"), ("service", "reviews"));
        await call.RequestStream.WriteAsync(Encode(request, ("subscribe", Encode(subscribe, ("node", node)))));

        var first = await NextResourcesAsync(call, response);
        var reviews = Assert.Single(first.Messages("resources"), r => r.String("name") == "reviews");
        Assert.Equal("Service", reviews.String("kind"));
        using (var body = JsonDocument.Parse(reviews.Bytes("body")))
        {
            Assert.Equal("reviews", body.RootElement.GetProperty("metadata").GetProperty("name").GetString());
            Assert.Equal(reviews.String("version"), body.RootElement.GetProperty("metadata").GetProperty("resourceVersion").ToString());
        }

        await call.RequestStream.WriteAsync(Ack(request, first.String("nonce")));
        await _silo.Admin.PutServiceAsync(TestResources.Service("ratings"));
        var next = await NextResourcesAsync(call, response);
        Assert.Equal("ratings", Assert.Single(next.Messages("resources")).String("name"));
        await call.RequestStream.WriteAsync(Ack(request, next.String("nonce")));

        var revision = await _silo.StoreRevisionAsync();
        await Poll.UntilTrueAsync(async () =>
        {
            var list = await _silo.Admin.GetFromJsonAsync<List<SubscriberStatus>>("/api/v1/subscribers", MeshJson.Options);
            return list!.Any(s => s.Id == "generic" && s.AckedRevision == revision && s.Node.Service == "reviews");
        }, Deadline, () => "the generic client's ACK never showed in /api/v1/subscribers");
    }

    /// <summary>The service's descriptor, rebuilt from the file descriptors the server reflection sends.</summary>
    private static async Task<ServiceDescriptor> DiscoverAsync(GrpcChannel channel, string serviceName)
    {
        using var reflection = new ServerReflection.ServerReflectionClient(channel).ServerReflectionInfo();
        await reflection.RequestStream.WriteAsync(new ServerReflectionRequest { ListServices = "" });
        Assert.True(await reflection.ResponseStream.MoveNext(CancellationToken.None));
        Assert.Contains(serviceName, reflection.ResponseStream.Current.ListServicesResponse.Service.Select(s => s.Name));

        await reflection.RequestStream.WriteAsync(new ServerReflectionRequest { FileContainingSymbol = serviceName });
        Assert.True(await reflection.ResponseStream.MoveNext(CancellationToken.None));
        var files = reflection.ResponseStream.Current.FileDescriptorResponse.FileDescriptorProto
            .Select(bytes => (Bytes: bytes, Proto: FileDescriptorProto.Parser.ParseFrom(bytes))).ToList();
        await reflection.RequestStream.CompleteAsync();
        // Dependencies must come before the files that import them.
        var ordered = files.OrderBy(f => f.Proto.Dependency.Count).Select(f => f.Bytes);
        return FileDescriptor.BuildFromByteStrings(ordered).SelectMany(f => f.Services).Single(s => s.FullName == serviceName);
    }

    private static async Task<GenericMessage> NextResourcesAsync(AsyncDuplexStreamingCall<byte[], byte[]> call, MessageDescriptor response)
    {
        Assert.True(await call.ResponseStream.MoveNext(CancellationToken.None).WaitAsync(Deadline));
        return GenericMessage.Decode(response, call.ResponseStream.Current).Messages("resources").Single();
    }

    private static byte[] Ack(MessageDescriptor request, string nonce) =>
        Encode(request, ("ack", Encode(request.FindFieldByName("ack").MessageType, ("nonce", nonce))));

    /// <summary>Encodes string and nested-message fields by name, with the field numbers from the descriptor.</summary>
    private static byte[] Encode(MessageDescriptor descriptor, params (string Field, object Value)[] fields)
    {
        using var buffer = new MemoryStream();
        var output = new CodedOutputStream(buffer);
        foreach (var (name, value) in fields)
        {
            var field = descriptor.FindFieldByName(name) ?? throw new InvalidOperationException($"{descriptor.FullName} has no field {name}");
            output.WriteTag(field.FieldNumber, WireFormat.WireType.LengthDelimited);
            switch (value)
            {
                case string text:
                    output.WriteString(text);
                    break;
                case byte[] message:
                    output.WriteBytes(ByteString.CopyFrom(message));
                    break;
            }
        }

        output.Flush();
        return buffer.ToArray();
    }

    /// <summary>A decoded message: field name → values, strings/bytes/nested messages read by the descriptor's types.</summary>
    private sealed class GenericMessage
    {
        private readonly Dictionary<string, List<object>> _fields = [];

        public string String(string name) => _fields.TryGetValue(name, out var values) ? (string)values[0] : "";

        public byte[] Bytes(string name) => (byte[])_fields[name][0];

        public IEnumerable<GenericMessage> Messages(string name) =>
            _fields.TryGetValue(name, out var values) ? values.Cast<GenericMessage>() : [];

        public static GenericMessage Decode(MessageDescriptor descriptor, byte[] bytes)
        {
            var message = new GenericMessage();
            var input = new CodedInputStream(bytes);
            uint tag;
            while ((tag = input.ReadTag()) != 0)
            {
                var field = descriptor.FindFieldByNumber(WireFormat.GetTagFieldNumber(tag));
                object? value = field?.FieldType switch
                {
                    FieldType.String => input.ReadString(),
                    FieldType.Bytes => input.ReadBytes().ToByteArray(),
                    FieldType.Message => Decode(field.MessageType, input.ReadBytes().ToByteArray()),
                    _ => null,
                };
                if (value is null)
                {
                    input.SkipLastField();
                    continue;
                }

                if (!message._fields.TryGetValue(field!.Name, out var values))
                {
                    message._fields[field.Name] = values = [];
                }

                values.Add(value);
            }

            return message;
        }
    }
}
