using System.Diagnostics;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using Google.Protobuf;
using Grpc.Testing;
using Metering.Grpc;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Metering.Tests.Interop;

/// <summary>
/// Malformed, oversized and abandoned requests against our server, sent as raw HTTP/2. Each must end with the
/// gRPC status the protocol asks for, and the server must go on answering normal calls afterwards.
/// </summary>
public sealed class HostileInputTests : IClassFixture<OurInteropServersFixture>
{
    private const string UnaryPath = "/grpc.testing.TestService/UnaryCall";
    private const string DuplexPath = "/grpc.testing.TestService/FullDuplexCall";
    private static readonly TimeSpan ResponseTimeout = TimeSpan.FromSeconds(10);

    private readonly OurInteropServersFixture _servers;

    public HostileInputTests(OurInteropServersFixture servers) => _servers = servers;

    private Uri Server => _servers.H2c.Address;

    [Fact]
    public async Task TruncatedLengthPrefix_IsInternal()
    {
        var (http, status, _) = await SendAsync(UnaryPath, RawGrpcRequest.Body([0, 0, 0]));
        Assert.Equal(HttpStatusCode.OK, http);
        Assert.Equal("13", status);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task DeclaredLengthFarAboveLimit_IsResourceExhaustedWithoutWaitingForThePayload()
    {
        using var invoker = RawGrpcRequest.NewInvoker();
        var body = new OpenRequestContent();
        var stopwatch = Stopwatch.StartNew();
        var send = invoker.SendAsync(RawGrpcRequest.Create(Server, UnaryPath, body), CancellationToken.None);
        await body.WriteAsync(RawGrpcRequest.Frame([1, 2, 3, 4], declaredLength: 100_000_000));

        // The request stays open: only an answer decided from the prefix alone can arrive.
        using var response = await send.WaitAsync(ResponseTimeout);
        await response.Content.ReadAsByteArrayAsync().WaitAsync(ResponseTimeout);
        stopwatch.Stop();
        body.Complete();

        Assert.Equal("8", RawGrpcRequest.GrpcStatus(response));
        Assert.True(stopwatch.Elapsed < TimeSpan.FromSeconds(5), $"took {stopwatch.Elapsed}");
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task MessageAboveFourMebibytes_IsResourceExhausted()
    {
        var request = new SimpleRequest { ResponseSize = 1, Payload = new Payload { Body = ByteString.CopyFrom(new byte[(4 * 1024 * 1024) + 1024]) } };
        var (_, status, message) = await SendAsync(UnaryPath, RawGrpcRequest.Body(RawGrpcRequest.Frame(request)));
        Assert.Equal("8", status);
        Assert.Contains("4194304", message, StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task CompressedFlagWithoutGrpcEncoding_IsInternal()
    {
        var gzipped = Gzip(new SimpleRequest { ResponseSize = 3 }.ToByteArray());
        var (_, status, _) = await SendAsync(UnaryPath, RawGrpcRequest.Body(RawGrpcRequest.Frame(gzipped, compressedFlag: true)));
        Assert.Equal("13", status);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task CompressedFlagWithGzipEncoding_IsAccepted()
    {
        // The control for the test above: the same bytes are fine once grpc-encoding announces gzip.
        var gzipped = Gzip(new SimpleRequest { ResponseSize = 3 }.ToByteArray());
        var (_, status, _) = await SendAsync(UnaryPath, RawGrpcRequest.Body(RawGrpcRequest.Frame(gzipped, compressedFlag: true)), ("grpc-encoding", "gzip"));
        Assert.Equal("0", status);
    }

    [Fact]
    public async Task GzipBombInflatingAboveFourMebibytes_IsResourceExhausted()
    {
        // 16 MiB of zeros deflate to about 16 KiB: small on the wire, far above the limit once inflated.
        var bomb = Gzip(new SimpleRequest { Payload = new Payload { Body = ByteString.CopyFrom(new byte[16 * 1024 * 1024]) } }.ToByteArray(), CompressionLevel.SmallestSize);
        Assert.True(bomb.Length < 64 * 1024);
        var (_, status, _) = await SendAsync(UnaryPath, RawGrpcRequest.Body(RawGrpcRequest.Frame(bomb, compressedFlag: true)), ("grpc-encoding", "gzip"));
        Assert.Equal("8", status);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    public async Task UnaryRequestWithoutExactlyOneMessage_IsInternal(int messages)
    {
        var one = RawGrpcRequest.Frame(new SimpleRequest { ResponseSize = 1 });
        var body = Enumerable.Repeat(one, messages).SelectMany(m => m).ToArray();
        var (_, status, _) = await SendAsync(UnaryPath, RawGrpcRequest.Body(body));
        Assert.Equal("13", status);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task GarbageMessage_IsInternal()
    {
        // An 11-byte varint is malformed protobuf whatever the message type.
        var garbage = Enumerable.Repeat((byte)0xFF, 11).ToArray();
        var (_, status, _) = await SendAsync(UnaryPath, RawGrpcRequest.Body(RawGrpcRequest.Frame(garbage)));
        Assert.Equal("13", status);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task UnsupportedGrpcEncoding_IsUnimplementedAndListsSupportedEncodings()
    {
        using var invoker = RawGrpcRequest.NewInvoker();
        using var response = await invoker.SendAsync(
            RawGrpcRequest.Create(Server, UnaryPath, RawGrpcRequest.Body(RawGrpcRequest.Frame(new SimpleRequest())), ("grpc-encoding", "snappy")),
            CancellationToken.None).WaitAsync(ResponseTimeout);
        await response.Content.ReadAsByteArrayAsync();
        Assert.Equal("12", RawGrpcRequest.GrpcStatus(response));
        Assert.Contains("gzip", RawGrpcRequest.Header(response.Headers, "grpc-accept-encoding"), StringComparison.Ordinal);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task WrongContentType_IsUnsupportedMediaType()
    {
        var (http, _, _) = await SendAsync(UnaryPath, RawGrpcRequest.Body(RawGrpcRequest.Frame(new SimpleRequest()), "text/plain"));
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, http);
        await AssertStillServingAsync();
    }

    [Theory]
    [InlineData("/grpc.testing.TestService/NoSuchMethod")]
    [InlineData("/grpc.testing.UnimplementedService/UnimplementedCall")]
    [InlineData("/no.such.Service/Call")]
    public async Task UnknownMethodOrService_IsUnimplemented(string path)
    {
        var (http, status, _) = await SendAsync(path, RawGrpcRequest.Body(RawGrpcRequest.Frame(new Empty())));
        Assert.Equal(HttpStatusCode.OK, http);
        Assert.Equal("12", status);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task ClientVanishingMidStream_EndsTheCallAndServerKeepsServing()
    {
        var service = _servers.H2c.Services.GetRequiredService<TestServiceImpl>();
        Socket? socket = null;
        var invoker = RawGrpcRequest.NewInvoker(async (context, token) =>
        {
            var s = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            await s.ConnectAsync(context.DnsEndPoint, token);
            socket = s;
            return new NetworkStream(s, ownsSocket: true);
        });
        var body = new OpenRequestContent();
        var send = invoker.SendAsync(RawGrpcRequest.Create(Server, DuplexPath, body), CancellationToken.None);
        var request = new StreamingOutputCallRequest();
        request.ResponseParameters.Add(new ResponseParameters { Size = 10 });
        await body.WriteAsync(RawGrpcRequest.Frame(request));

        var response = await send.WaitAsync(ResponseTimeout);
        var stream = await response.Content.ReadAsStreamAsync();
        var first = new byte[15];
        await stream.ReadExactlyAsync(first).AsTask().WaitAsync(ResponseTimeout);
        Assert.Equal(1, service.ActiveStreams);

        // Vanish: reset the TCP connection under the open stream, then drop the handler.
        Assert.NotNull(socket);
        socket.LingerState = new LingerOption(true, 0);
        socket.Close();
        invoker.Dispose();

        var deadline = Stopwatch.StartNew();
        while (service.ActiveStreams != 0 && deadline.Elapsed < TimeSpan.FromSeconds(10))
        {
            await Task.Delay(20);
        }

        Assert.Equal(0, service.ActiveStreams);
        await AssertStillServingAsync();
    }

    [Fact]
    public async Task ClientStreamOfFortyMegabytes_Succeeds()
    {
        const int messageSize = 1024 * 1024;
        const int messages = 40;
        using var channel = GrpcChannel.ForAddress(Server);
        using var call = channel.ClientStreaming(TestServiceMethods.StreamingInputCall);
        var request = new StreamingInputCallRequest { Payload = new Payload { Body = ByteString.CopyFrom(new byte[messageSize]) } };
        for (var i = 0; i < messages; i++)
        {
            await call.RequestStream.WriteAsync(request);
        }

        await call.RequestStream.CompleteAsync();
        var response = await call.ResponseAsync.WaitAsync(TimeSpan.FromSeconds(30));
        Assert.Equal(messageSize * messages, response.AggregatedPayloadSize);
    }

    private async Task<(HttpStatusCode Http, string? GrpcStatus, string? GrpcMessage)> SendAsync(string path, HttpContent content, params (string Name, string Value)[] headers)
    {
        using var invoker = RawGrpcRequest.NewInvoker();
        using var response = await invoker.SendAsync(RawGrpcRequest.Create(Server, path, content, headers), CancellationToken.None).WaitAsync(ResponseTimeout);
        await response.Content.ReadAsByteArrayAsync().WaitAsync(ResponseTimeout);
        return (response.StatusCode, RawGrpcRequest.GrpcStatus(response), RawGrpcRequest.GrpcMessage(response));
    }

    private async Task AssertStillServingAsync()
    {
        using var channel = GrpcChannel.ForAddress(Server);
        var response = await channel.UnaryAsync(TestServiceMethods.EmptyCall, new Empty()).WaitAsync(ResponseTimeout);
        Assert.NotNull(response);
    }

    private static byte[] Gzip(byte[] data, CompressionLevel level = CompressionLevel.Fastest)
    {
        using var output = new MemoryStream();
        using (var gzip = new GZipStream(output, level, leaveOpen: true))
        {
            gzip.Write(data);
        }

        return output.ToArray();
    }
}
