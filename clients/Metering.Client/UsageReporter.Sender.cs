using Metering.Client.Internal;
using Metering.Contracts.V1;
using Grpc.Core;

namespace Metering.Client;

/// <summary>The background sender: one stream at a time, pipelined writes, reconnects with backoff.</summary>
public sealed partial class UsageReporter
{
    private static readonly TimeSpan GracefulCloseTimeout = TimeSpan.FromSeconds(1);

    private readonly AsyncSignal _wake = new();

    private async Task RunSenderAsync()
    {
        var stop = _stop.Token;
        var backoff = new ReconnectBackoff(_reconnectBaseDelay, _reconnectMaxDelay);
        var sessions = 0L;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                DrainClosedBatches();
                if (!HasPending())
                {
                    await _wake.WaitAsync().ConfigureAwait(false);
                    continue;
                }

                if (sessions++ > 0)
                {
                    lock (_stateLock)
                    {
                        _reconnects++;
                    }
                }

                var outcome = await RunSessionAsync(stop).ConfigureAwait(false);
                if (stop.IsCancellationRequested)
                {
                    break;
                }

                if (outcome.Acknowledged > 0)
                {
                    backoff.Reset();
                }

                var delay = OnSessionEnded(outcome, backoff);
                if (delay > TimeSpan.Zero)
                {
                    await DelayAsync(delay, stop).ConfigureAwait(false);
                }
            }
            catch (Exception ex)
            {
                // A bug, not a transport failure (those end up in the session outcome): keep the records and retry.
                ReporterLog.SenderFailed(_logger, ProducerId, ex);
                await DelayAsync(backoff.Next(), stop).ConfigureAwait(false);
            }
        }

        try
        {
            DrainClosedBatches();
        }
        catch (Exception ex)
        {
            ReporterLog.SenderFailed(_logger, ProducerId, ex);
        }
    }

    /// <summary>Runs one stream until it fails, the server ends it, or the reporter stops.</summary>
    private async Task<SessionOutcome> RunSessionAsync(CancellationToken stop)
    {
        using var session = new CancellationTokenSource();
        using var stopCancelsSession = stop.Register(static state => ((CancellationTokenSource)state!).CancelAfter(GracefulCloseTimeout), session);
        lock (_stateLock)
        {
            _inFlight = 0;
            _sessionAcks = 0;
        }

        var call = _calls.Ingest.StreamUsage(_calls.Options(session.Token, _compressRequests));
        var reader = ReadAcksAsync(call.ResponseStream, session);
        Exception? writeError = null;
        try
        {
            while (!reader.IsCompleted)
            {
                if (stop.IsCancellationRequested)
                {
                    await CloseGracefullyAsync(call, reader).ConfigureAwait(false);
                    break;
                }

                DrainClosedBatches();
                var next = TakeNextToSend();
                if (next is null)
                {
                    await Task.WhenAny(_wake.WaitAsync(), reader).ConfigureAwait(false);
                    continue;
                }

                await call.RequestStream.WriteAsync(next).ConfigureAwait(false);
            }
        }
        catch (RpcException ex)
        {
            // The server ended the call while writes were pending: Grpc.Net.Client fails them with its status or with
            // CANCELLED and no detail, and the status reaches the reader just after. Cancelling the call before the
            // reader has it would turn it into CANCELLED, so the reader gets a bounded time to take it.
            writeError = ex;
            await Task.WhenAny(reader, Task.Delay(GracefulCloseTimeout, _time)).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            writeError = ex;
        }

        await session.CancelAsync().ConfigureAwait(false);
        var readError = await reader.ConfigureAwait(false);
        call.Dispose();
        int acknowledged;
        lock (_stateLock)
        {
            _inFlight = 0;
            acknowledged = _sessionAcks;
        }

        return new SessionOutcome(ChooseCause(readError, writeError), acknowledged);
    }

    /// <summary>Reads acknowledgements until the stream ends; returns why it ended (null: the server sent OK).</summary>
    private async Task<Exception?> ReadAcksAsync(IAsyncStreamReader<StreamUsageResponse> responses, CancellationTokenSource session)
    {
        try
        {
            while (await responses.MoveNext().ConfigureAwait(false))
            {
                if (OnAck(responses.Current) is { } violation)
                {
                    return violation;
                }
            }

            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
        finally
        {
            // Unblocks a write waiting on flow control, and the writer loop.
            await session.CancelAsync().ConfigureAwait(false);
            _wake.Set();
        }
    }

    /// <summary>When nothing is in flight, half-closes the stream and lets the server end it with OK.</summary>
    private async Task CloseGracefullyAsync(AsyncDuplexStreamingCall<StreamUsageRequest, StreamUsageResponse> call, Task reader)
    {
        lock (_stateLock)
        {
            if (_inFlight > 0)
            {
                return;
            }
        }

        await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        await Task.WhenAny(reader, Task.Delay(GracefulCloseTimeout, _time)).ConfigureAwait(false);
    }

    /// <summary>The status the server ended the stream with is the real cause; a write failure or our own cancellation is not.</summary>
    private static Exception? ChooseCause(Exception? readError, Exception? writeError)
    {
        if (readError is RpcException { StatusCode: not StatusCode.Cancelled })
        {
            return readError;
        }

        return writeError is RpcException ? writeError : readError ?? writeError;
    }

    /// <summary>Classifies the end of a stream; returns how long to wait before the next one.</summary>
    private TimeSpan OnSessionEnded(SessionOutcome outcome, ReconnectBackoff backoff)
    {
        var rpc = outcome.Error as RpcException;
        Status? status = rpc?.Status;
        if (rpc is not null && SequenceGap.TryGetExpectedSequence(rpc, out var expected))
        {
            return OnSequenceGap(expected, backoff);
        }

        var delayText = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{_authFailureRetryDelay.TotalSeconds:0.###} s");
        switch (status?.StatusCode)
        {
            case StatusCode.Unauthenticated:
                ReportError(UsageReporterErrorKind.Unauthenticated, $"The server refused the API key (UNAUTHENTICATED: {status.Value.Detail}); retrying in {delayText}.", outcome.Error);
                return _authFailureRetryDelay;
            case StatusCode.PermissionDenied:
                ReportError(UsageReporterErrorKind.PermissionDenied, $"The API key may not ingest usage (PERMISSION_DENIED: {status.Value.Detail}); retrying in {delayText}.", outcome.Error);
                return _authFailureRetryDelay;
            case StatusCode.InvalidArgument or StatusCode.FailedPrecondition or StatusCode.ResourceExhausted or StatusCode.Unimplemented:
                ReportError(UsageReporterErrorKind.StreamRefused, $"The server refused the stream ({status.Value.StatusCode}: {status.Value.Detail}); retrying in {delayText}.", outcome.Error);
                return _authFailureRetryDelay;
            default:
                var delay = backoff.Next();
                ReporterLog.StreamFailed(
                    _logger,
                    ProducerId,
                    status?.StatusCode.ToString() ?? (outcome.Error is null ? "OK" : outcome.Error.GetType().Name),
                    status?.Detail ?? outcome.Error?.Message ?? "the server ended the stream",
                    (long)delay.TotalMilliseconds);
                return delay;
        }
    }

    /// <summary>Waits <paramref name="delay"/>, still moving closed batches to the spool as they come.</summary>
    private async Task DelayAsync(TimeSpan delay, CancellationToken stop)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var elapsed = Task.Delay(delay, _time, cancel.Token);
        while (!elapsed.IsCompleted && !stop.IsCancellationRequested)
        {
            await Task.WhenAny(_wake.WaitAsync(), elapsed).ConfigureAwait(false);
            DrainClosedBatches();
        }

        await cancel.CancelAsync().ConfigureAwait(false);
    }

    /// <summary>Moves closed batches to the pending list, appending them to the spool first.</summary>
    private void DrainClosedBatches()
    {
        List<PendingBatch> batches;
        lock (_recordLock)
        {
            if (_closed.Count == 0)
            {
                return;
            }

            batches = _closed;
            _closed = [];
        }

        if (_spool is not null)
        {
            try
            {
                _spool.Append(batches);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                ReportError(
                    UsageReporterErrorKind.SpoolFailed,
                    $"Appending batches {batches[0].Sequence} to {batches[^1].Sequence} to the spool {_spool.DirectoryPath} failed ({ex.Message}); they are sent anyway but would not survive a restart.",
                    ex);
            }
        }

        lock (_stateLock)
        {
            foreach (var batch in batches)
            {
                _pending.Add(batch);
            }
        }
    }

    private bool HasPending()
    {
        lock (_stateLock)
        {
            return _pending.Count > 0;
        }
    }

    /// <summary>
    /// The next batch to write on this stream, if the pipeline has room: up to
    /// <see cref="UsageReporterOptions.MaxInFlightBatches"/> written and not yet acknowledged.
    /// </summary>
    private StreamUsageRequest? TakeNextToSend()
    {
        lock (_stateLock)
        {
            if (_inFlight >= _maxInFlight || _inFlight >= _pending.Count)
            {
                return null;
            }

            var batch = _pending[_inFlight++];
            batch.Attempts++;
            _batchesSent++;
            if (batch.Attempts > 1 || batch.Restored)
            {
                _batchesResent++;
            }

            return batch.Request;
        }
    }
}
