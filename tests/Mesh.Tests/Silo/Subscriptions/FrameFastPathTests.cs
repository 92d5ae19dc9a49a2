using System.Text;
using Mesh.Contracts.Protocol;
using Mesh.Silo.Subscriptions;

namespace Mesh.Tests.Silo.Subscriptions;

public sealed class FrameFastPathTests
{
    [Theory]
    [InlineData("{\"type\":\"ack\",\"revision\":42}", "ack", 42)]
    [InlineData("{\"revision\":7,\"type\":\"heartbeat\"}", "heartbeat", 7)]
    [InlineData("{ \"type\" : \"ack\" , \"revision\" : 0 }", "ack", 0)]
    public void TryRead_AckOrHeartbeat_ReadsTypeAndRevision(string json, string type, long revision)
    {
        Assert.True(FrameFastPath.TryRead(Encoding.UTF8.GetBytes(json), out var frame));

        switch (type)
        {
            case "ack":
                Assert.Equal(revision, Assert.IsType<AckFrame>(frame).Revision);
                break;
            default:
                Assert.Equal(revision, Assert.IsType<HeartbeatFrame>(frame).Revision);
                break;
        }
    }

    [Theory]
    [InlineData("{\"type\":\"nack\",\"revision\":3,\"error\":\"bad\"}")]
    [InlineData("{\"type\":\"ack\"}")]
    [InlineData("{\"type\":\"ack\",\"revision\":\"3\"}")]
    [InlineData("{\"type\":\"ack\",\"revision\":3,\"extra\":1}")]
    [InlineData("{\"type\":\"ack\",\"revision\":3}{}")]
    [InlineData("[1]")]
    [InlineData("{\"type\":\"ack\",\"revision\":1.5}")]
    [InlineData("{\"type\":\"hello\",\"revision\":1}")]
    public void TryRead_AnythingElse_FallsBackToTheFullDeserializer(string json)
    {
        Assert.False(FrameFastPath.TryRead(Encoding.UTF8.GetBytes(json), out var frame));
        Assert.Null(frame);
    }
}
