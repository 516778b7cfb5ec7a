using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;
using Google.Protobuf;
using Metering.Grpc.Internal;

namespace Metering.Grpc.Client;

/// <summary>
/// One client call over HTTP/2: sends the request (a single framed message or a push stream), reads response
/// headers, messages and trailers, and turns every failure (deadline, cancellation, transport, protocol) into
/// a <see cref="Status"/>.
/// </summary>
internal sealed class ClientCall<TRequest, TResponse> : IClientCallState
    where TRequest : class, IMessage<TRequest>
    where TResponse : class, IMessage<TResponse>
{
    private static readonly ProductInfoHeaderValue UserAgent = new("metering-grpc-dotnet", "1.0");

    private readonly GrpcChannel _channel;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource? _deadlineSource;
    private readonly CancellationTokenSource _callSource;
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task<HttpResponseMessage>? _sendTask;
    private HttpResponseMessage? _response;
    private PipeReader? _responseReader;
    private PushStreamContent? _requestContent;
    private Status? _status;
    private Metadata? _trailers;
    private bool _responseGzip;
    private int _disposed;

    public ClientCall(GrpcChannel channel, Method<TRequest, TResponse> method, CallOptions options)
    {
        _channel = channel;
        _method = method;
        _options = options;
        if (options.Deadline is { } deadline)
        {
            var timeout = deadline - DateTime.UtcNow;
            _deadlineSource = new CancellationTokenSource(timeout > TimeSpan.Zero ? timeout : TimeSpan.Zero);
        }

        // Always cancellable: Dispose must be able to reset a call whose response headers have not arrived yet.
        _callSource = _deadlineSource is null
            ? CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken)
            : CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken, _deadlineSource.Token);
    }

    public CancellationToken CallToken => _callSource.Token;

    public Task<Metadata> ResponseHeadersTask => _headers.Task;

    public async Task<TResponse> UnaryAsync(TRequest request)
    {
        try
        {
            var content = new FramedMessageContent(MessageFraming.ToFramedArray(request, _options.CompressRequests, _channel.Options.MaxSendMessageSize));
            _sendTask = _channel.Invoker.SendAsync(CreateRequest(content), CallToken);
            return await ReadSingleResponseAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Fail(ex);
        }
        finally
        {
            Dispose();
        }
    }

    public void StartServerStreaming(TRequest request)
    {
        var content = new FramedMessageContent(MessageFraming.ToFramedArray(request, _options.CompressRequests, _channel.Options.MaxSendMessageSize));
        _sendTask = _channel.Invoker.SendAsync(CreateRequest(content), CallToken);
        ObserveHeaders();
    }

    public void StartStreamingRequest()
    {
        _requestContent = new PushStreamContent();
        _sendTask = _channel.Invoker.SendAsync(CreateRequest(_requestContent), CallToken);
        ObserveHeaders();
    }

    public async Task<TResponse> ReadSingleResponseAsync()
    {
        try
        {
            var message = await ReadNextAsync(CancellationToken.None).ConfigureAwait(false)
                ?? throw new RpcException(new Status(StatusCode.Internal, "The server sent OK without a response message."), _trailers ?? []);
            if (await ReadNextAsync(CancellationToken.None).ConfigureAwait(false) is not null)
            {
                throw new RpcException(StatusCode.Internal, "The server sent more than one response message to a unary request.");
            }

            return message;
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Fail(ex);
        }
    }

    /// <summary>The next response message, or null after an OK status; a non-OK status throws.</summary>
    public async Task<TResponse?> ReadNextAsync(CancellationToken cancellationToken)
    {
        if (_status is { } done)
        {
            return done.Code == StatusCode.OK ? null : throw new RpcException(done, _trailers ?? []);
        }

        try
        {
            var reader = await GetResponseReaderAsync().ConfigureAwait(false);
            if (reader is null)
            {
                return FinishOrThrow();
            }

            using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CallToken) : null;
            var token = linked?.Token ?? CallToken;
            var max = _channel.Options.MaxReceiveMessageSize;
            while (true)
            {
                var result = await reader.ReadAsync(token).ConfigureAwait(false);
                var buffer = result.Buffer;
                if (MessageFraming.TryRead(ref buffer, max, out var compressed, out var payload))
                {
                    var message = MessageFraming.Parse(_method.ResponseParser, payload, compressed, _responseGzip, max);
                    reader.AdvanceTo(buffer.Start);
                    return message;
                }

                if (result.IsCompleted)
                {
                    var leftover = buffer.Length;
                    reader.AdvanceTo(buffer.End);
                    if (leftover != 0)
                    {
                        throw new RpcException(StatusCode.Internal, "The response ended inside a message.");
                    }

                    ReadTrailers();
                    return FinishOrThrow();
                }

                reader.AdvanceTo(buffer.Start, buffer.End);
            }
        }
        catch (RpcException ex)
        {
            _status ??= ex.Status;
            Cancel();
            throw;
        }
        catch (Exception ex)
        {
            throw Fail(ex);
        }
    }

    public async Task WriteAsync(TRequest message, WriteFlags flags, CancellationToken cancellationToken)
    {
        var content = _requestContent ?? throw new InvalidOperationException("This call has no request stream.");
        if (_status is { } done)
        {
            throw new RpcException(done.Code == StatusCode.OK ? new Status(StatusCode.Internal, "The call has already completed.") : done, _trailers ?? []);
        }

        try
        {
            var compress = _options.CompressRequests && (flags & WriteFlags.NoCompress) == 0;
            var framed = MessageFraming.ToFramedArray(message, compress, _channel.Options.MaxSendMessageSize);
            var stream = await WaitForRequestStreamAsync(content).ConfigureAwait(false);
            using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, CallToken) : null;
            var token = linked?.Token ?? CallToken;
            await stream.WriteAsync(framed, token).ConfigureAwait(false);
            await stream.FlushAsync(token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!CallToken.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // The HTTP/2 stack cancelled the request body by itself: the server has ended the call (RST_STREAM NO_ERROR
            // after its response). The call is not failed here, so the response side still reports the real status.
            try
            {
                await GetResponseReaderAsync().ConfigureAwait(false);
            }
            catch (Exception) when (_status is not null)
            {
            }

            throw new RpcException(_status is { Code: not StatusCode.OK } status ? status : new Status(StatusCode.Unavailable, "The server closed the request stream; read the responses for the call's status."), _trailers ?? []);
        }
        catch (Exception ex) when (ex is not RpcException)
        {
            throw Fail(ex);
        }
    }

    public Task CompleteRequestAsync()
    {
        _requestContent?.Complete();
        return Task.CompletedTask;
    }

    public Status GetStatus() => _status ?? throw new InvalidOperationException("The call has not completed.");

    public Metadata GetTrailers() => _trailers ?? throw new InvalidOperationException("The call has not completed.");

    public void Cancel()
    {
        if (_status is null || _status.Code != StatusCode.OK)
        {
            try
            {
                _callSource.Cancel();
            }
            catch (ObjectDisposedException)
            {
            }
        }
    }

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        if (_status is null)
        {
            _status = new Status(StatusCode.Cancelled, "The call was disposed.");
            _callSource.Cancel();
        }

        _requestContent?.Complete();
        _headers.TrySetException(new RpcException(_status));
        _headers.Task.Exception?.Handle(_ => true);
        _responseReader?.Complete();
        _response?.Dispose();
        _callSource.Dispose();
        _deadlineSource?.Dispose();
    }

    private HttpRequestMessage CreateRequest(HttpContent content)
    {
        content.Headers.TryAddWithoutValidation("content-type", GrpcProtocol.ContentType);
        var request = new HttpRequestMessage(HttpMethod.Post, new Uri(_channel.Address, _method.FullName))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        var headers = request.Headers;
        headers.TryAddWithoutValidation(GrpcProtocol.TeHeader, "trailers");
        headers.UserAgent.Add(UserAgent);
        headers.TryAddWithoutValidation(GrpcProtocol.AcceptEncodingHeader, GrpcProtocol.SupportedEncodings);
        if (_options.CompressRequests)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.EncodingHeader, GrpcProtocol.GzipEncoding);
        }

        if (_options.Deadline is { } deadline)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcTimeout.Format(deadline - DateTime.UtcNow));
        }

        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                headers.TryAddWithoutValidation(entry.Key, entry.IsBinary ? Base64Header.Encode(entry.ValueBytes) : entry.Value);
            }
        }

        return request;
    }

    private void ObserveHeaders()
    {
        _ = ObserveHeadersAsync();
    }

    private async Task ObserveHeadersAsync()
    {
        try
        {
            await GetResponseReaderAsync().ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            _headers.TrySetException(ex is RpcException ? ex : Fail(ex));
        }
    }

    private Task<PipeReader?>? _readerTask;

    private Task<PipeReader?> GetResponseReaderAsync() => _readerTask ??= OpenResponseAsync();

    /// <summary>Awaits the response headers; null when the response is Trailers-Only (the status is then set).</summary>
    private async Task<PipeReader?> OpenResponseAsync()
    {
        var response = await _sendTask!.ConfigureAwait(false);
        _response = response;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var status = StatusFromHttp(response);
            SetStatus(status, new Metadata());
            _headers.TrySetResult(ToMetadata(response.Headers));
            return null;
        }

        if (TryGetHeader(response.Headers, GrpcProtocol.StatusHeader, out _))
        {
            var trailers = ToMetadata(response.Headers);
            SetStatus(ParseStatus(response.Headers), trailers);
            _headers.TrySetResult(trailers);
            return null;
        }

        var contentType = response.Content.Headers.ContentType?.MediaType;
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            SetStatus(new Status(StatusCode.Internal, $"The response content-type '{contentType}' is not gRPC."), new Metadata());
            _headers.TrySetResult(ToMetadata(response.Headers));
            return null;
        }

        if (TryGetHeader(response.Headers, GrpcProtocol.EncodingHeader, out var encoding) && encoding is not GrpcProtocol.IdentityEncoding)
        {
            if (encoding != GrpcProtocol.GzipEncoding)
            {
                SetStatus(new Status(StatusCode.Internal, $"The server used grpc-encoding '{encoding}', which this client does not support."), new Metadata());
                _headers.TrySetResult(ToMetadata(response.Headers));
                return null;
            }

            _responseGzip = true;
        }

        _headers.TrySetResult(ToMetadata(response.Headers));
        var stream = await response.Content.ReadAsStreamAsync().ConfigureAwait(false);
        _responseReader = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4 * 1024, leaveOpen: false));
        return _responseReader;
    }

    private void ReadTrailers()
    {
        var trailing = _response!.TrailingHeaders;
        if (!TryGetHeader(trailing, GrpcProtocol.StatusHeader, out _))
        {
            SetStatus(new Status(StatusCode.Internal, "The response ended without a grpc-status."), ToMetadata(trailing));
            return;
        }

        SetStatus(ParseStatus(trailing), ToMetadata(trailing));
    }

    private TResponse? FinishOrThrow()
    {
        var status = _status!;
        if (status.Code != StatusCode.OK)
        {
            throw new RpcException(status, _trailers ?? []);
        }

        return null;
    }

    private void SetStatus(Status status, Metadata trailers)
    {
        if (_status is null)
        {
            _status = status;
            _trailers = trailers;
        }

        _requestContent?.Complete();
    }

    private async Task<Stream> WaitForRequestStreamAsync(PushStreamContent content)
    {
        var streamTask = content.StreamTask;
        if (!streamTask.IsCompleted)
        {
            var first = await Task.WhenAny(streamTask, _sendTask!).ConfigureAwait(false);
            if (first != streamTask)
            {
                await GetResponseReaderAsync().ConfigureAwait(false);
                if (_status is { } status)
                {
                    throw new RpcException(status.Code == StatusCode.OK ? new Status(StatusCode.Internal, "The call completed before the request was sent.") : status, _trailers ?? []);
                }
            }
        }

        return await streamTask.ConfigureAwait(false);
    }

    /// <summary>Maps a failure to its status, records it, cancels the call and returns the exception to throw.</summary>
    private RpcException Fail(Exception ex)
    {
        Status status;
        if (_status is { Code: not StatusCode.OK } known)
        {
            status = known;
        }
        else if (_deadlineSource?.IsCancellationRequested == true)
        {
            status = new Status(StatusCode.DeadlineExceeded, "Deadline exceeded.");
        }
        else if (_options.CancellationToken.IsCancellationRequested || (ex is OperationCanceledException && _disposed == 1))
        {
            status = new Status(StatusCode.Cancelled, "The call was cancelled.");
        }
        else
        {
            status = StatusFromException(ex);
        }

        _status ??= status;
        _trailers ??= [];
        Cancel();
        _headers.TrySetException(new RpcException(status));
        _headers.Task.Exception?.Handle(_ => true);
        return new RpcException(status, _trailers);
    }

    private static Status StatusFromException(Exception ex)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is HttpProtocolException protocol)
            {
                return protocol.ErrorCode switch
                {
                    0x0 => new Status(StatusCode.Internal, "The server reset the stream (NO_ERROR) before sending a status."),
                    0x7 => new Status(StatusCode.Unavailable, "The server refused the stream."),
                    0x8 => new Status(StatusCode.Cancelled, "The server cancelled the stream."),
                    0xb => new Status(StatusCode.ResourceExhausted, "The server said ENHANCE_YOUR_CALM."),
                    0xc => new Status(StatusCode.PermissionDenied, "The connection's security is inadequate."),
                    _ => new Status(StatusCode.Internal, $"HTTP/2 error {protocol.ErrorCode}: {protocol.Message}"),
                };
            }

            if (e is HttpRequestException or IOException or System.Net.Sockets.SocketException)
            {
                return new Status(StatusCode.Unavailable, "Error connecting to the server: " + e.Message);
            }
        }

        return ex is OperationCanceledException
            ? new Status(StatusCode.Cancelled, "The call was cancelled.")
            : new Status(StatusCode.Unknown, ex.GetType().Name + ": " + ex.Message);
    }

    private static Status StatusFromHttp(HttpResponseMessage response)
    {
        var code = response.StatusCode switch
        {
            HttpStatusCode.BadRequest => StatusCode.Internal,
            HttpStatusCode.Unauthorized => StatusCode.Unauthenticated,
            HttpStatusCode.Forbidden => StatusCode.PermissionDenied,
            HttpStatusCode.NotFound => StatusCode.Unimplemented,
            HttpStatusCode.TooManyRequests or HttpStatusCode.BadGateway or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout => StatusCode.Unavailable,
            _ => StatusCode.Unknown,
        };
        var detail = TryGetHeader(response.Headers, GrpcProtocol.MessageHeader, out var message) ? PercentEncoding.Decode(message) : string.Empty;
        return new Status(code, $"Bad gRPC response: HTTP status {(int)response.StatusCode}. {detail}".TrimEnd());
    }

    private static Status ParseStatus(HttpHeaders headers)
    {
        TryGetHeader(headers, GrpcProtocol.StatusHeader, out var codeText);
        if (!int.TryParse(codeText, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var code))
        {
            return new Status(StatusCode.Unknown, $"Invalid grpc-status '{codeText}'.");
        }

        var detail = TryGetHeader(headers, GrpcProtocol.MessageHeader, out var message) ? PercentEncoding.Decode(message) : string.Empty;
        Google.Rpc.Status? rich = null;
        if (TryGetHeader(headers, GrpcProtocol.StatusDetailsHeader, out var details))
        {
            try
            {
                rich = Google.Rpc.Status.Parser.ParseFrom(Base64Header.Decode(details));
            }
            catch (Exception ex) when (ex is InvalidProtocolBufferException or RpcException)
            {
                rich = null;
            }
        }

        return new Status((StatusCode)code, detail, rich);
    }

    private static bool TryGetHeader(HttpHeaders headers, string name, out string value)
    {
        if (headers.NonValidated.TryGetValues(name, out var values))
        {
            foreach (var v in values)
            {
                value = v;
                return true;
            }
        }

        value = string.Empty;
        return false;
    }

    private static Metadata ToMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (key, values) in headers.NonValidated)
        {
            if (key.StartsWith("grpc-", StringComparison.OrdinalIgnoreCase) || key is "content-type" or "date" or "server")
            {
                continue;
            }

            foreach (var value in values)
            {
                if (Metadata.IsBinaryKey(key))
                {
                    foreach (var part in value.Split(','))
                    {
                        metadata.Add(key, Base64Header.Decode(part.Trim()));
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
