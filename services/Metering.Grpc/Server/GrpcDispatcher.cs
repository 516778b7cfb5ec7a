using System.Collections.Frozen;
using Metering.Grpc.Internal;
using Microsoft.AspNetCore.Http;

namespace Metering.Grpc.Server;

/// <summary>
/// The terminal request handler: checks that the request is gRPC and hands it to the method's handler.
/// Unknown services and methods get UNIMPLEMENTED; a non-gRPC content-type gets HTTP 415.
/// </summary>
internal sealed class GrpcDispatcher
{
    private readonly FrozenDictionary<string, ServerMethodHandler> _methods;
    private readonly FrozenSet<string> _services;

    public GrpcDispatcher(IEnumerable<ServerMethodHandler> handlers)
    {
        var list = handlers.ToList();
        _methods = list.ToFrozenDictionary(h => h.FullName, StringComparer.Ordinal);
        _services = list.Select(h => h.FullName[1..h.FullName.LastIndexOf('/')]).ToFrozenSet(StringComparer.Ordinal);
    }

    public IEnumerable<string> MethodNames => _methods.Keys;

    public Task DispatchAsync(HttpContext httpContext)
    {
        var request = httpContext.Request;
        if (!HttpMethods.IsPost(request.Method))
        {
            httpContext.Response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            httpContext.Response.Headers.Allow = "POST";
            return Task.CompletedTask;
        }

        if (!GrpcProtocol.IsGrpcContentType(request.ContentType))
        {
            httpContext.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            httpContext.Response.Headers[GrpcProtocol.StatusHeader] = "13";
            httpContext.Response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode($"Content-Type '{request.ContentType}' is not supported; gRPC requests use application/grpc.");
            return Task.CompletedTask;
        }

        if (!HttpProtocol.IsHttp2(request.Protocol) && !HttpProtocol.IsHttp3(request.Protocol))
        {
            httpContext.Response.StatusCode = StatusCodes.Status426UpgradeRequired;
            httpContext.Response.Headers.Upgrade = "h2";
            httpContext.Response.Headers[GrpcProtocol.StatusHeader] = "13";
            httpContext.Response.Headers[GrpcProtocol.MessageHeader] = "gRPC requires HTTP/2.";
            return Task.CompletedTask;
        }

        var path = request.Path.Value ?? string.Empty;
        if (_methods.TryGetValue(path, out var handler))
        {
            return handler.HandleCallAsync(httpContext);
        }

        var slash = path.LastIndexOf('/');
        var service = slash > 0 ? path[1..slash] : path.TrimStart('/');
        var detail = _services.Contains(service)
            ? $"Method '{path[(slash + 1)..]}' of service '{service}' is unimplemented."
            : $"Service '{service}' is unimplemented.";
        ServerMethodHandler.WriteImmediateStatus(httpContext, new Status(StatusCode.Unimplemented, detail));
        return Task.CompletedTask;
    }
}
