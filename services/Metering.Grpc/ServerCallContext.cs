using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace Metering.Grpc;

/// <summary>What a server handler knows about its call, and what it may set on the response.</summary>
public sealed class ServerCallContext
{
    private Metadata? _requestHeaders;
    private Metadata? _responseHeaders;
    private Metadata? _responseTrailers;
    private Dictionary<object, object?>? _items;

    internal ServerCallContext(HttpContext httpContext, string method, DateTime deadline, CancellationToken cancellationToken, bool requestGzip, bool clientAcceptsGzip)
    {
        HttpContext = httpContext;
        Method = method;
        Deadline = deadline;
        CancellationToken = cancellationToken;
        RequestGzip = requestGzip;
        ClientAcceptsGzip = clientAcceptsGzip;
    }

    /// <summary>The full method name, <c>/package.Service/Method</c>.</summary>
    public string Method { get; }

    public HttpContext HttpContext { get; }

    /// <summary>The call's deadline in UTC; <see cref="DateTime.MaxValue"/> when the client set none.</summary>
    public DateTime Deadline { get; }

    /// <summary>Cancelled when the client cancels, the connection drops or the deadline passes.</summary>
    public CancellationToken CancellationToken { get; }

    public string Peer
    {
        get
        {
            var connection = HttpContext.Connection;
            var address = connection.RemoteIpAddress;
            if (address is null)
            {
                return "unknown";
            }

            var family = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "ipv6:[" + address + "]" : "ipv4:" + address;
            return family + ":" + connection.RemotePort.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>The status sent when the handler returns normally. Defaults to OK.</summary>
    public Status Status { get; set; } = Status.Ok;

    /// <summary>
    /// Compress response messages with gzip when the client accepts it. Must be set before the first response
    /// message to take effect; a message written with <see cref="WriteFlags.NoCompress"/> is sent plain.
    /// </summary>
    public bool CompressResponses { get; set; }

    /// <summary>Headers the client sent (built on first use).</summary>
    public Metadata RequestHeaders => _requestHeaders ??= BuildRequestHeaders();

    /// <summary>Response headers sent with the first response message (or with the status).</summary>
    public Metadata ResponseHeaders => _responseHeaders ??= [];

    /// <summary>Trailers sent with the status.</summary>
    public Metadata ResponseTrailers => _responseTrailers ??= [];

    /// <summary>State that interceptors share with handlers (for example the authenticated caller).</summary>
    public IDictionary<object, object?> Items => _items ??= [];

    internal bool RequestGzip { get; }

    internal bool ClientAcceptsGzip { get; }

    /// <summary>
    /// Whether the request message read last had the compressed flag set in its length prefix (per message; a call
    /// with grpc-encoding gzip may still send single messages uncompressed).
    /// </summary>
    internal bool LastRequestMessageCompressed { get; set; }

    internal bool ResponseStarted { get; set; }

    internal bool ResponseGzip { get; set; }

    internal Metadata? ResponseHeadersOrNull => _responseHeaders;

    internal Metadata? ResponseTrailersOrNull => _responseTrailers;

    /// <summary>Reads one request header without building <see cref="RequestHeaders"/>.</summary>
    public string? GetRequestHeader(string key)
    {
        var values = HttpContext.Request.Headers[key];
        return StringValues.IsNullOrEmpty(values) ? null : values[values.Count - 1];
    }

    /// <summary>Sends the response headers now, before any message.</summary>
    public async Task WriteResponseHeadersAsync(Metadata headers)
    {
        if (ResponseStarted)
        {
            throw new InvalidOperationException("Response headers have already been sent.");
        }

        foreach (var entry in headers)
        {
            ResponseHeaders.Add(entry);
        }

        Internal.ServerResponse.StartResponse(this);
        await HttpContext.Response.BodyWriter.FlushAsync(CancellationToken).ConfigureAwait(false);
    }

    private Metadata BuildRequestHeaders()
    {
        var metadata = new Metadata();
        foreach (var header in HttpContext.Request.Headers)
        {
            var key = header.Key;
            if (key.StartsWith(':') || key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase)
                || key is "te" or "content-type" or "user-agent" or "host" or "accept-encoding")
            {
                continue;
            }

            foreach (var value in header.Value)
            {
                if (value is null)
                {
                    continue;
                }

                if (Metadata.IsBinaryKey(key))
                {
                    foreach (var part in value.Split(','))
                    {
                        metadata.Add(key, Internal.Base64Header.Decode(part.Trim()));
                    }
                }
                else
                {
                    metadata.Add(key, value);
                }
            }
        }

        return metadata;
    }
}
