using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using Grpc.Core;

namespace Metering.Tests.Interop;

/// <summary>Hand-made gRPC requests over plain HTTP/2 (h2c with prior knowledge), for inputs no real client sends.</summary>
internal static class RawGrpcRequest
{
    public static HttpMessageInvoker NewInvoker(Func<SocketsHttpConnectionContext, CancellationToken, ValueTask<Stream>>? connect = null)
    {
        var handler = new SocketsHttpHandler { UseProxy = false, UseCookies = false, AutomaticDecompression = DecompressionMethods.None };
        if (connect is not null)
        {
            handler.ConnectCallback = connect;
        }

        return new HttpMessageInvoker(handler, disposeHandler: true);
    }

    public static HttpRequestMessage Create(Uri server, string path, HttpContent content, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(server, path))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        request.Headers.TryAddWithoutValidation("te", "trailers");
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return request;
    }

    public static ByteArrayContent Body(byte[] bytes, string contentType = "application/grpc")
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        return content;
    }

    /// <summary>A length prefix (flag, big-endian length) followed by <paramref name="payload"/>.</summary>
    public static byte[] Frame(ReadOnlySpan<byte> payload, bool compressedFlag = false, uint? declaredLength = null)
    {
        var framed = new byte[5 + payload.Length];
        framed[0] = compressedFlag ? (byte)1 : (byte)0;
        BinaryPrimitives.WriteUInt32BigEndian(framed.AsSpan(1), declaredLength ?? (uint)payload.Length);
        payload.CopyTo(framed.AsSpan(5));
        return framed;
    }

    /// <summary>grpc-status of a Trailers-Only response (headers) or of the trailers after the body; null when absent.</summary>
    public static StatusCode? GrpcStatus(HttpResponseMessage response)
        => (Header(response.Headers, "grpc-status") ?? Header(response.TrailingHeaders, "grpc-status")) is { } value
            ? (StatusCode)int.Parse(value, CultureInfo.InvariantCulture)
            : null;

    public static string? GrpcMessage(HttpResponseMessage response)
        => Header(response.Headers, "grpc-message") ?? Header(response.TrailingHeaders, "grpc-message");

    public static string? Header(HttpHeaders headers, string name)
        => headers.NonValidated.TryGetValues(name, out var values) ? values.FirstOrDefault() : null;
}
