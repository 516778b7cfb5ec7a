using System.Diagnostics;
using Metering.Grpc.Internal;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Metering.Grpc.Server;

/// <summary>
/// Runs one call of one method: builds the context (deadline, encodings), runs the interceptors and the
/// handler, and sends the status. The four method kinds differ only in <see cref="InvokeAsync"/>.
/// </summary>
internal abstract class ServerMethodHandler
{
    private readonly GrpcServerRuntime _runtime;

    protected ServerMethodHandler(string fullName, GrpcServerRuntime runtime)
    {
        FullName = fullName;
        _runtime = runtime;
    }

    public string FullName { get; }

    protected int MaxReceiveSize => _runtime.Options.MaxReceiveMessageSize;

    protected int? MaxSendSize => _runtime.Options.MaxSendMessageSize;

    public async Task HandleCallAsync(HttpContext httpContext)
    {
        var started = Stopwatch.GetTimestamp();
        var request = httpContext.Request;
        var headers = request.Headers;

        var encoding = headers[GrpcProtocol.EncodingHeader].ToString();
        var requestGzip = false;
        if (encoding.Length > 0 && !string.Equals(encoding, GrpcProtocol.IdentityEncoding, StringComparison.OrdinalIgnoreCase))
        {
            if (!string.Equals(encoding, GrpcProtocol.GzipEncoding, StringComparison.OrdinalIgnoreCase))
            {
                httpContext.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
                WriteImmediateStatus(httpContext, new Status(StatusCode.Unimplemented, $"Unsupported grpc-encoding value '{encoding}'. Supported encodings: {GrpcProtocol.SupportedEncodings}"));
                return;
            }

            requestGzip = true;
        }

        var acceptEncoding = headers[GrpcProtocol.AcceptEncodingHeader].ToString();
        var acceptsGzip = GrpcProtocol.AcceptsGzip(acceptEncoding);

        CancellationTokenSource? deadlineSource = null;
        var deadline = DateTime.MaxValue;
        var token = httpContext.RequestAborted;
        var timeoutValue = headers[GrpcProtocol.TimeoutHeader].ToString();
        if (timeoutValue.Length > 0)
        {
            if (!GrpcTimeout.TryParse(timeoutValue, out var timeout))
            {
                WriteImmediateStatus(httpContext, new Status(StatusCode.Internal, $"Invalid grpc-timeout value '{timeoutValue}'."));
                return;
            }

            deadline = DateTime.UtcNow + timeout;
            deadlineSource = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted);
            deadlineSource.CancelAfter(timeout);
            token = deadlineSource.Token;
        }

        httpContext.Response.ContentType = GrpcProtocol.ContentType;
        if (acceptEncoding.Length > 0 || requestGzip)
        {
            // Only a client that negotiates compression is told what this server accepts.
            httpContext.Response.Headers[GrpcProtocol.AcceptEncodingHeader] = GrpcProtocol.SupportedEncodings;
        }
        var context = new ServerCallContext(httpContext, FullName, deadline, token, requestGzip, acceptsGzip);
        Status status;
        try
        {
            var interceptors = _runtime.Interceptors;
            for (var i = 0; i < interceptors.Length; i++)
            {
                await interceptors[i].OnCallStartingAsync(context).ConfigureAwait(false);
            }

            await InvokeAsync(context).ConfigureAwait(false);
            status = context.Status;
            if (deadlineSource is { IsCancellationRequested: true } && !httpContext.RequestAborted.IsCancellationRequested)
            {
                status = new Status(StatusCode.DeadlineExceeded, "Deadline exceeded.");
            }
        }
        catch (RpcException ex)
        {
            status = ex.Status;
            foreach (var entry in ex.Trailers)
            {
                context.ResponseTrailers.Add(entry);
            }
        }
        catch (Exception ex) when (ex is OperationCanceledException || httpContext.RequestAborted.IsCancellationRequested)
        {
            status = deadlineSource is { IsCancellationRequested: true } && !httpContext.RequestAborted.IsCancellationRequested
                ? new Status(StatusCode.DeadlineExceeded, "Deadline exceeded.")
                : new Status(StatusCode.Cancelled, "The call was cancelled.");
        }
        catch (Exception ex)
        {
            _runtime.Log.HandlerFailed(FullName, ex);
            status = new Status(StatusCode.Unknown, _runtime.Options.EnableDetailedErrors ? "Exception was thrown by handler: " + ex.Message : "Exception was thrown by handler.");
        }
        finally
        {
            deadlineSource?.Dispose();
        }

        if (!httpContext.RequestAborted.IsCancellationRequested)
        {
            ServerResponse.WriteStatus(context, status);
        }

        var interceptorsAfter = _runtime.Interceptors;
        if (interceptorsAfter.Length > 0)
        {
            var elapsed = Stopwatch.GetElapsedTime(started);
            for (var i = 0; i < interceptorsAfter.Length; i++)
            {
                interceptorsAfter[i].OnCallCompleted(context, status, elapsed);
            }
        }
    }

    protected abstract Task InvokeAsync(ServerCallContext context);

    internal static void WriteImmediateStatus(HttpContext httpContext, Status status)
    {
        var response = httpContext.Response;
        response.ContentType = GrpcProtocol.ContentType;
        response.Headers[GrpcProtocol.StatusHeader] = ((int)status.Code).ToString(System.Globalization.CultureInfo.InvariantCulture);
        response.Headers[GrpcProtocol.MessageHeader] = PercentEncoding.Encode(status.Detail);
    }
}
