using Grpc.Testing;
using Metering.Grpc;
using Metering.Tests.Infrastructure;
using Metering.Tests.Interop;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Metering.Tests.Grpc;

public sealed class ServerStatusDuringWritesTests
{
    /// <summary>
    /// The server ends a bidirectional call with a status after its first message while the client still writes.
    /// The HTTP/2 stack then cancels the client's pending write by itself; that must not turn the call's status into
    /// CANCELLED: the reader sees the server's status, every time.
    /// </summary>
    [Fact]
    public async Task StatusSentWhileClientStillWrites_IsWhatTheClientSees()
    {
        await using var server = await TestServerHost.StartAsync(s => s.AddGrpcService<TestServiceImpl>(TestServiceMethods.TestService));
        using var channel = GrpcChannel.ForAddress(server.Address);
        var failing = new StreamingOutputCallRequest { ResponseStatus = new EchoStatus { Code = (int)StatusCode.FailedPrecondition, Message = "sequence gap" } };
        var filler = new StreamingOutputCallRequest { Payload = new Payload { Body = Google.Protobuf.ByteString.CopyFrom(new byte[16 * 1024]) } };
        var seen = new Dictionary<StatusCode, int>();
        for (var call = 0; call < 40; call++)
        {
            using var duplex = channel.DuplexStreaming(TestServiceMethods.FullDuplexCall);
            var writes = Task.Run(async () =>
            {
                await duplex.RequestStream.WriteAsync(failing);
                for (var i = 0; i < 50; i++)
                {
                    await duplex.RequestStream.WriteAsync(filler);
                }
            });
            var ex = await Assert.ThrowsAsync<RpcException>(() => duplex.ResponseStream.MoveNext());
            seen[ex.StatusCode] = seen.GetValueOrDefault(ex.StatusCode) + 1;
            var writeError = await Record.ExceptionAsync(() => writes);
            if (writeError is RpcException writeStatus)
            {
                Assert.NotEqual(StatusCode.Cancelled, writeStatus.StatusCode);
            }
        }

        Assert.Equal(40, seen.GetValueOrDefault(StatusCode.FailedPrecondition));
    }
}
