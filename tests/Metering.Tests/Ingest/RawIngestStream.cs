using System.Buffers.Binary;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Metering.Contracts.V1;

namespace Metering.Tests.Ingest;

/// <summary>
/// A StreamUsage call made by hand over HTTP/2 (h2c, SocketsHttpHandler, HTTP/2 only), for frames no real client
/// sends. The test writes raw bytes into the open request body; the response's acks and grpc-status are read back.
/// </summary>
public sealed class RawIngestStream : IAsyncDisposable
{
    private const string Path = "/metering.v1.IngestService/StreamUsage";

    private readonly HttpMessageInvoker _invoker;
    private readonly Body _body = new();
    private readonly Task<HttpResponseMessage> _response;

    private RawIngestStream(Uri server, string key, params (string Name, string Value)[] headers)
    {
        _invoker = new HttpMessageInvoker(new SocketsHttpHandler { UseProxy = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None }, disposeHandler: true);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, Path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = _body,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        request.Headers.TryAddWithoutValidation("authorization", "Bearer " + key);
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        _response = _invoker.SendAsync(request, CancellationToken.None);
    }

    public static RawIngestStream Open(Uri server, string key, params (string Name, string Value)[] headers) => new(server, key, headers);

    /// <summary>A length prefix (compressed flag, big-endian length) and the payload.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload, bool compressedFlag = false, uint? declaredLength = null)
    {
        var framed = new byte[5 + payload.Length];
        framed[0] = compressedFlag ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), declaredLength ?? (uint)payload.Length);
        payload.CopyTo(framed.AsSpan(5));
        return framed;
    }

    public static byte[] Frame(IMessage message) => Frame(message.ToByteArray());

    public Task WriteAsync(byte[] bytes) => _body.WriteAsync(bytes);

    /// <summary>Ends the request body (END_STREAM).</summary>
    public void Complete() => _body.Complete();

    /// <summary>Reads the whole response: the acks in its body and its grpc-status and grpc-message.</summary>
    public async Task<(List<StreamUsageResponse> Acks, string? GrpcStatus, string? GrpcMessage)> ReadResponseAsync(TimeSpan timeout)
    {
        using var response = await _response.WaitAsync(timeout);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new InvalidOperationException($"HTTP {(int)response.StatusCode}, not a gRPC response.");
        }

        var bytes = await response.Content.ReadAsByteArrayAsync().WaitAsync(timeout);
        var acks = new List<StreamUsageResponse>();
        for (var offset = 0; offset < bytes.Length;)
        {
            var length = (int)BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(offset + 1, 4));
            acks.Add(StreamUsageResponse.Parser.ParseFrom(bytes, offset + 5, length));
            offset += 5 + length;
        }

        return (acks, Header(response.Headers, "grpc-status") ?? Header(response.TrailingHeaders, "grpc-status"),
            Header(response.Headers, "grpc-message") ?? Header(response.TrailingHeaders, "grpc-message"));
    }

    public async ValueTask DisposeAsync()
    {
        _body.Complete();
        try
        {
            (await _response.WaitAsync(TimeSpan.FromSeconds(5))).Dispose();
        }
        catch (Exception ex) when (ex is HttpRequestException or TimeoutException or TaskCanceledException or IOException)
        {
        }

        _invoker.Dispose();
    }

    private static string? Header(HttpHeaders headers, string name)
        => headers.NonValidated.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;

    /// <summary>A request body written by the test and ended when the test chooses.</summary>
    private sealed class Body : HttpContent
    {
        private readonly TaskCompletionSource<Stream> _stream = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public Body() => Headers.TryAddWithoutValidation("content-type", "application/grpc");

        public async Task WriteAsync(byte[] bytes)
        {
            var stream = await _stream.Task.WaitAsync(TimeSpan.FromSeconds(10));
            await stream.WriteAsync(bytes);
            await stream.FlushAsync();
        }

        public void Complete() => _completed.TrySetResult();

        protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            _stream.TrySetResult(stream);
            return _completed.Task;
        }

        protected override bool TryComputeLength(out long length)
        {
            length = -1;
            return false;
        }
    }
}
