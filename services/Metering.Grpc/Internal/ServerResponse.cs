using System.Globalization;
using Google.Protobuf;
using Microsoft.AspNetCore.Http;

namespace Metering.Grpc.Internal;

/// <summary>Writes response headers, messages and the final status of a server call.</summary>
internal static class ServerResponse
{
    private static readonly string[] StatusStrings = Enumerable.Range(0, 17).Select(i => i.ToString(CultureInfo.InvariantCulture)).ToArray();

    /// <summary>Adds the response headers; called once, before the first byte of the body.</summary>
    public static void StartResponse(ServerCallContext context)
    {
        if (context.ResponseStarted)
        {
            return;
        }

        context.ResponseStarted = true;
        var headers = context.HttpContext.Response.Headers;
        if (context.CompressResponses && context.ClientAcceptsGzip)
        {
            context.ResponseGzip = true;
            headers[GrpcProtocol.EncodingHeader] = GrpcProtocol.GzipEncoding;
        }

        if (context.ResponseHeadersOrNull is { } custom)
        {
            AddMetadata(headers, custom);
        }
    }

    public static void WriteMessage(ServerCallContext context, IMessage message, WriteFlags flags, int? maxSendSize)
    {
        StartResponse(context);
        var compress = context.ResponseGzip && context.CompressResponses && (flags & WriteFlags.NoCompress) == 0;
        MessageFraming.Write(context.HttpContext.Response.BodyWriter, message, compress, maxSendSize);
    }

    /// <summary>
    /// Sends the status: in the trailers after a body, or as a Trailers-Only response (status in the headers,
    /// no body) when nothing was sent yet.
    /// </summary>
    public static void WriteStatus(ServerCallContext context, Status status)
    {
        var response = context.HttpContext.Response;
        if (!context.ResponseStarted && !response.HasStarted)
        {
            context.ResponseStarted = true;
            var headers = response.Headers;
            if (context.ResponseHeadersOrNull is { } custom)
            {
                AddMetadata(headers, custom);
            }

            headers[GrpcProtocol.StatusHeader] = StatusStrings[(int)status.Code];
            if (!string.IsNullOrEmpty(status.Detail))
            {
                headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(status.Detail);
            }

            if (status.RichStatus is { } rich)
            {
                headers[GrpcProtocol.StatusDetailsHeader] = Base64Header.Encode(rich.ToByteArray());
            }

            if (context.ResponseTrailersOrNull is { } trailersAsHeaders)
            {
                AddMetadata(headers, trailersAsHeaders);
            }

            return;
        }

        response.AppendTrailer(GrpcProtocol.StatusHeader, StatusStrings[(int)status.Code]);
        if (!string.IsNullOrEmpty(status.Detail))
        {
            response.AppendTrailer(GrpcProtocol.MessageHeader, PercentEncoding.Encode(status.Detail));
        }

        if (status.RichStatus is { } details)
        {
            response.AppendTrailer(GrpcProtocol.StatusDetailsHeader, Base64Header.Encode(details.ToByteArray()));
        }

        if (context.ResponseTrailersOrNull is { } trailers)
        {
            foreach (var entry in trailers)
            {
                response.AppendTrailer(entry.Key, entry.IsBinary ? Base64Header.Encode(entry.ValueBytes) : entry.Value);
            }
        }
    }

    private static void AddMetadata(IHeaderDictionary headers, Metadata metadata)
    {
        foreach (var entry in metadata)
        {
            var value = entry.IsBinary ? Base64Header.Encode(entry.ValueBytes) : entry.Value;
            headers.Append(entry.Key, value);
        }
    }
}
