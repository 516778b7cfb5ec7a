using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Testing;
using Xunit;
using static Metering.Tests.Interop.InteropUsage;

namespace Metering.Tests.Interop;

/// <summary>
/// Malformed, oversized and abandoned requests to the metering service's ingest methods, sent as raw HTTP/2 with a
/// valid HOST key. Each must end with the status grpc-dotnet gives it (or a clean reset), change nothing of the
/// host's usage (Redis keys and GetUsage totals compared before and after), and leave the service serving: the
/// batch the hostile request carried is accepted afterwards as new.
/// </summary>
public sealed class HostileInputTests : IClassFixture<HostileInputFixture>
{
    private const string Producer = "gw-hostile";
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    private readonly HostileInputFixture _service;

    public HostileInputTests(HostileInputFixture service) => _service = service;

    public static TheoryData<string> Methods => new() { "StreamUsage", "ReportUsage" };

    private Uri Server => _service.Host.Address;

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task TruncatedFrame_ThenEndOfStream_IsInternalAndChangesNothing(string method)
    {
        var host = await StartAsync();
        var frame = RawGrpcRequest.Frame(SecondBatch(method));
        var (http, status, _) = await SendAsync(method, host.Key, RawGrpcRequest.Body(frame[..^10]));
        Assert.Equal(HttpStatusCode.OK, http);
        Assert.Equal(StatusCode.Internal, status);
        await host.AssertUnchangedThenServingAsync(method);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task DeclaredLengthOf100Megabytes_IsResourceExhaustedWithoutWaitingForThePayload(string method)
    {
        var host = await StartAsync();
        using var invoker = RawGrpcRequest.NewInvoker();
        var body = new OpenRequestContent();
        var stopwatch = Stopwatch.StartNew();
        var send = invoker.SendAsync(RawGrpcRequest.Create(Server, Path(method), body, Bearer(host.Key)), CancellationToken.None);
        await body.WriteAsync(RawGrpcRequest.Frame([1, 2, 3, 4], declaredLength: 100_000_000));

        // The request stays open and carries 4 of the 100,000,000 bytes: only an answer decided from the prefix can come.
        using var response = await send.WaitAsync(ResponseTimeout);
        await response.Content.ReadAsByteArrayAsync().WaitAsync(ResponseTimeout);
        stopwatch.Stop();
        body.Complete();

        Assert.Equal(StatusCode.ResourceExhausted, RawGrpcRequest.GrpcStatus(response));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        await host.AssertUnchangedThenServingAsync(method);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task ValidMessageAboveFourMebibytes_IsResourceExhaustedAndChangesNothing(string method)
    {
        var host = await StartAsync();

        // The batch itself is valid; an unknown field (which a parser would skip) pushes it past the 4 MiB limit.
        var padded = WithUnknownField(SecondBatch(method), (4 * 1024 * 1024) + 1024);
        var (_, status, message) = await SendAsync(method, host.Key, RawGrpcRequest.Body(RawGrpcRequest.Frame(padded)));
        Assert.Equal(StatusCode.ResourceExhausted, status);
        Assert.False(string.IsNullOrEmpty(message));
        await host.AssertUnchangedThenServingAsync(method);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task CompressedFlagWithoutGrpcEncoding_IsInternalAndChangesNothing(string method)
    {
        var host = await StartAsync();
        var frame = RawGrpcRequest.Frame(Gzip(SecondBatch(method)), compressedFlag: true);
        var (_, status, _) = await SendAsync(method, host.Key, RawGrpcRequest.Body(frame));
        Assert.Equal(StatusCode.Internal, status);
        await host.AssertUnchangedThenServingAsync(method);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public async Task GarbagePayload_IsInternalOnAStream_UnknownForUnary_AndChangesNothing(string method)
    {
        var host = await StartAsync();

        // An 11-byte varint is malformed protobuf whatever the message type. On a stream grpc-dotnet surfaces the parse
        // error from MoveNext and the ingest handler ends the call with INTERNAL, as gRPC prescribes for an
        // unparseable message; a unary request is parsed by grpc-dotnet before any handler or interceptor runs, and
        // grpc-dotnet answers UNKNOWN ("Exception was thrown by handler.").
        var garbage = Enumerable.Repeat((byte)0xFF, 11).ToArray();
        var (_, status, message) = await SendAsync(method, host.Key, RawGrpcRequest.Body(RawGrpcRequest.Frame(garbage)));
        var expected = method == "StreamUsage" ? StatusCode.Internal : StatusCode.Unknown;
        Assert.True(status == expected, $"{status} {message}");
        await host.AssertUnchangedThenServingAsync(method);
    }

    [Fact]
    public async Task ClientVanishingMidMessage_EndsTheCallChangesNothingAndTheProducerGoesOn()
    {
        var host = await StartAsync();
        using var active = new ActiveRequests(_service.Host.Services);
        Socket? socket = null;
        var invoker = RawGrpcRequest.NewInvoker(async (context, token) =>
        {
            var s = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await s.ConnectAsync(context.DnsEndPoint, token);
            socket = s;
            return new NetworkStream(s, ownsSocket: true);
        });
        var body = new OpenRequestContent();
        var send = invoker.SendAsync(RawGrpcRequest.Create(Server, Path("StreamUsage"), body, Bearer(host.Key)), CancellationToken.None);
        var frame = RawGrpcRequest.Frame(SecondBatch("StreamUsage"));
        await body.WriteAsync(frame[..(frame.Length / 2)]);

        // The call is running on the server with half a message read; then the TCP connection is reset under it.
        Assert.Equal(1, await active.WaitForAsync(1, ResponseTimeout));
        Assert.NotNull(socket);
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
        await Assert.ThrowsAsync<HttpRequestException>(() => send.WaitAsync(ResponseTimeout));
        invoker.Dispose();
        Assert.Equal(0, await active.WaitForAsync(0, ResponseTimeout));

        await host.AssertUnchangedThenServingAsync("StreamUsage");
    }

    private async Task<HostUnderAttack> StartAsync()
    {
        var (hostId, key) = await InteropHosts.CreateHostAsync(_service.Channel);
        var client = new IngestService.IngestServiceClient(_service.Channel);
        using (var call = client.StreamUsage(Calls.As(key)))
        {
            await call.RequestStream.WriteAsync(Batch(Producer, 1, Record("model-a", input: 1, output: 2, requests: 3)));
            await call.RequestStream.CompleteAsync();
            Assert.True(await call.ResponseStream.MoveNext());
            Assert.Equal(IngestResult.Accepted, call.ResponseStream.Current.Result);
        }

        var before = await HostState.CaptureAsync(_service.Host, _service.Channel, hostId, key);
        Assert.Equal([("model-a", 1L, 2L, 3L, 0L)], before.Totals);
        Assert.NotEmpty(before.RedisEntries);
        return new HostUnderAttack(_service, hostId, key, before);
    }

    /// <summary>The message a hostile request carries: valid, and new for the host, so applying it would show.</summary>
    private static byte[] SecondBatch(string method) => method switch
    {
        "StreamUsage" => Batch(Producer, 2, Record("model-a", input: 1000)).ToByteArray(),
        "ReportUsage" => new ReportUsageRequest { IdempotencyKey = "hostile-2", Records = { Record("model-a", input: 1000) } }.ToByteArray(),
        _ => throw new ArgumentOutOfRangeException(nameof(method), method, null),
    };

    private async Task<(HttpStatusCode Http, StatusCode? GrpcStatus, string? GrpcMessage)> SendAsync(string method, string key, HttpContent content)
    {
        using var invoker = RawGrpcRequest.NewInvoker();
        using var response = await invoker.SendAsync(RawGrpcRequest.Create(Server, Path(method), content, Bearer(key)), CancellationToken.None).WaitAsync(ResponseTimeout);
        await response.Content.ReadAsByteArrayAsync().WaitAsync(ResponseTimeout);
        return (response.StatusCode, RawGrpcRequest.GrpcStatus(response), RawGrpcRequest.GrpcMessage(response));
    }

    private static string Path(string method) => $"/{IngestService.Descriptor.FullName}/{method}";

    private static (string Name, string Value) Bearer(string key) => ("authorization", "Bearer " + key);

    private static byte[] WithUnknownField(byte[] message, int paddingBytes)
    {
        using var output = new MemoryStream();
        output.Write(message);
        var coded = new CodedOutputStream(output, leaveOpen: true);
        coded.WriteTag(1000, WireFormat.WireType.LengthDelimited);
        coded.WriteBytes(ByteString.CopyFrom(new byte[paddingBytes]));
        coded.Flush();
        return output.ToArray();
    }

    private static byte[] Gzip(byte[] data)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, CompressionLevel.Fastest, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
