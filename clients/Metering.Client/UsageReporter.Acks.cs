using Metering.Client.Internal;
using Metering.Contracts.V1;
using Grpc.Core;

namespace Metering.Client;

/// <summary>Acknowledgements: matching them to batches, sequence gaps, renumbering, flush waiters and error reports.</summary>
public sealed partial class UsageReporter
{
    private readonly Lock _stateLock = new();

    // Guarded by _stateLock. Lock order: _recordLock, then _stateLock, then the spool's; never the other way.
    private readonly BatchRing _pending = new();
    private readonly List<FlushWaiter> _flushWaiters = [];
    private int _inFlight;
    private int _sessionAcks;
    private ulong _ackedThrough;
    private long _recordsRestored;
    private long _recordsAccepted;
    private long _recordsDuplicate;
    private long _recordsRejected;
    private long _batchesSent;
    private long _batchesAccepted;
    private long _batchesDuplicate;
    private long _batchesRejected;
    private long _batchesResent;
    private long _batchesLost;
    private long _reconnects;

    // Interlocked.
    private long _errors;

    /// <summary>Applies one acknowledgement; returns an exception that ends the stream when it matches no batch in flight.</summary>
    private RpcException? OnAck(StreamUsageResponse ack)
    {
        PendingBatch batch;
        var duplicateOfFirstSend = false;
        List<FlushWaiter>? released;
        lock (_stateLock)
        {
            if (_inFlight == 0 || _pending.First.Sequence != ack.Sequence)
            {
                var oldest = _inFlight == 0 ? "none" : _pending.First.Sequence.ToString(System.Globalization.CultureInfo.InvariantCulture);
                return new RpcException(new Status(StatusCode.Internal, $"The server acknowledged sequence {ack.Sequence}, but the oldest batch in flight is {oldest}."));
            }

            batch = _pending.First;
            switch (ack.Result)
            {
                case IngestResult.Accepted:
                    _batchesAccepted++;
                    _recordsAccepted += batch.RecordCount;
                    break;
                case IngestResult.Duplicate:
                    _batchesDuplicate++;
                    _recordsDuplicate += batch.RecordCount;
                    duplicateOfFirstSend = batch.Attempts == 1 && !batch.Restored;
                    break;
                case IngestResult.Rejected:
                    _batchesRejected++;
                    _recordsRejected += batch.RecordCount;
                    break;
                default:
                    return new RpcException(new Status(StatusCode.Internal, $"The server acknowledged sequence {ack.Sequence} with result {ack.Result}."));
            }

            _pending.RemoveFirst();
            _inFlight--;
            _sessionAcks++;
            released = ResolveThroughLocked(batch.Sequence);
        }

        Release(batch.RecordCount);
        _wake.Set();

        // A flush returns once the spool knows, so a restart after it never resends what it covered.
        MarkSpoolAcked(batch.Sequence);
        Complete(released);
        if (ack.Result == IngestResult.Rejected)
        {
            OnRejected(batch, ack);
        }

        if (duplicateOfFirstSend)
        {
            ReportError(
                UsageReporterErrorKind.ProducerConflict,
                $"The server answered DUPLICATE to the first send of batch {batch.Sequence}: its state for producer {ProducerId} is ahead of this reporter (another process uses the id, or the reporter restarted without its spool). The batch's {batch.RecordCount} records were not counted.");
        }

        return null;
    }

    private void OnRejected(PendingBatch batch, StreamUsageResponse ack)
    {
        var violations = ack.Violations.Select(v => new UsageViolation(v.Field, v.Reason, v.Description)).ToArray();
        var first = violations.Length > 0 ? violations[0] : new UsageViolation(string.Empty, string.Empty, string.Empty);
        ReporterLog.BatchRejected(_logger, batch.Sequence, ProducerId, batch.RecordCount, violations.Length, first.Field, first.Reason);
        if (_onRejected is { } callback)
        {
            try
            {
                callback(new RejectedBatch(ProducerId, batch.Sequence, batch.Request.Records, violations));
            }
            catch (Exception ex)
            {
                ReporterLog.CallbackFailed(_logger, nameof(UsageReporterOptions.OnRejected), ex);
            }
        }
    }

    /// <summary>
    /// The stream ended with FAILED_PRECONDITION SEQUENCE_GAP naming <paramref name="expected"/>. Above our oldest
    /// unacknowledged batch: the batches below it were applied, so they count as delivered. At or below it: batches
    /// the server expects are gone on our side; they are reported lost and what we hold is renumbered from
    /// <paramref name="expected"/> (none of it was applied: the server's last sequence is below all of it).
    /// </summary>
    private TimeSpan OnSequenceGap(ulong expected, ReconnectBackoff backoff)
    {
        DrainClosedBatches();
        UsageReporterError? problem = null;
        List<PendingBatch>? rewrite = null;
        ulong? markAcked = null;
        (ulong First, ulong Last)? applied = null;
        List<FlushWaiter>? flushed = null;
        long released = 0;
        var delay = TimeSpan.Zero;
        lock (_recordLock)
        {
            lock (_stateLock)
            {
                if (_pending.Count == 0)
                {
                    return backoff.Next();
                }

                var oldest = _pending.First.Sequence;
                if (expected > oldest)
                {
                    var last = oldest;
                    while (_pending.Count > 0 && _pending.First.Sequence < expected)
                    {
                        var batch = _pending.RemoveFirst();
                        _batchesDuplicate++;
                        _recordsDuplicate += batch.RecordCount;
                        released += batch.RecordCount;
                        last = batch.Sequence;
                    }

                    applied = (oldest, last);
                    if (expected > _nextSequence)
                    {
                        problem = new UsageReporterError(
                            UsageReporterErrorKind.ProducerConflict,
                            $"The server expects sequence {expected} of producer {ProducerId}, beyond the last sequence this reporter assigned ({_nextSequence - 1}): another process uses this producer id, or the spool is older than the server's state. Batches {oldest} to {last} were taken as applied; new batches continue from {expected}.");
                        flushed = RenumberLocked(expected);
                        rewrite = PendingSnapshotLocked();
                    }
                    else
                    {
                        flushed = ResolveThroughLocked(expected - 1);
                        markAcked = expected - 1;
                    }
                }
                else
                {
                    var holes = _pending.Last.Sequence - oldest + 1 - (ulong)_pending.Count;
                    var lost = oldest - expected + holes;
                    if (lost == 0)
                    {
                        // The server wants exactly what we send first; nothing to repair. Retry, but not in a tight loop.
                        return backoff.Next();
                    }

                    _batchesLost += (long)lost;
                    problem = new UsageReporterError(
                        UsageReporterErrorKind.RecordsLost,
                        $"The server expects sequence {expected} of producer {ProducerId}, but the oldest batch this reporter holds is {oldest} ({holes} more missing after it): {lost} batches were lost (a damaged spool, or state the server forgot) and cannot be recovered. The {_pending.Count} batches held are renumbered from {expected}.");
                    flushed = RenumberLocked(expected);
                    rewrite = PendingSnapshotLocked();
                    delay = backoff.Next();
                }
            }
        }

        if (released > 0)
        {
            Release(released);
        }

        if (applied is { } range)
        {
            ReporterLog.GapAbove(_logger, expected, ProducerId, range.First, range.Last);
        }

        if (rewrite is not null && _spool is not null)
        {
            try
            {
                _spool.Rewrite(expected - 1, rewrite);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                ReportError(UsageReporterErrorKind.SpoolFailed, $"Rewriting the spool {_spool.DirectoryPath} after renumbering failed ({ex.Message}).", ex);
            }
        }
        else if (markAcked is { } through)
        {
            MarkSpoolAcked(through);
        }

        Complete(flushed);
        if (problem is not null)
        {
            ReportError(problem);
        }

        return delay;
    }

    /// <summary>
    /// Gives every batch held (pending, then closed) consecutive sequences from <paramref name="first"/>; returns the
    /// flushes that are now complete.
    /// </summary>
    private List<FlushWaiter>? RenumberLocked(ulong first)
    {
        var mapping = new List<(ulong Old, ulong New)>(_pending.Count + _closed.Count);
        var next = first;
        for (var i = 0; i < _pending.Count; i++)
        {
            Renumber(_pending[i]);
        }

        foreach (var batch in _closed)
        {
            Renumber(batch);
        }

        _nextSequence = next;
        foreach (var waiter in _flushWaiters)
        {
            var target = first - 1;
            foreach (var (old, renumbered) in mapping)
            {
                if (old > waiter.Target)
                {
                    break;
                }

                target = renumbered;
            }

            waiter.Target = target;
        }

        return ResolveThroughLocked(first - 1);

        void Renumber(PendingBatch batch)
        {
            mapping.Add((batch.Sequence, next));
            batch.Request.Sequence = next++;
            batch.Attempts = 0;
            batch.Restored = false;
        }
    }

    private List<PendingBatch> PendingSnapshotLocked()
    {
        var snapshot = new List<PendingBatch>(_pending.Count);
        for (var i = 0; i < _pending.Count; i++)
        {
            snapshot.Add(_pending[i]);
        }

        return snapshot;
    }

    /// <summary>
    /// Every sequence up to <paramref name="sequence"/> is resolved: removes and returns the flushes it covers, for
    /// <see cref="Complete"/> once the spool is updated.
    /// </summary>
    private List<FlushWaiter>? ResolveThroughLocked(ulong sequence)
    {
        _ackedThrough = sequence;
        List<FlushWaiter>? done = null;
        for (var i = _flushWaiters.Count - 1; i >= 0; i--)
        {
            if (_flushWaiters[i].Target <= sequence)
            {
                (done ??= []).Add(_flushWaiters[i]);
                _flushWaiters.RemoveAt(i);
            }
        }

        return done;
    }

    private static void Complete(List<FlushWaiter>? waiters)
    {
        foreach (var waiter in waiters ?? [])
        {
            waiter.Completion.TrySetResult();
        }
    }

    private Task FlushCoreAsync(CancellationToken cancellationToken)
    {
        FlushWaiter? waiter = null;
        bool closed;
        lock (_recordLock)
        {
            closed = CloseOpenBatchLocked();
            var target = _nextSequence - 1;
            lock (_stateLock)
            {
                if (_ackedThrough < target)
                {
                    waiter = new FlushWaiter(target);
                    _flushWaiters.Add(waiter);
                }
            }
        }

        if (closed)
        {
            _wake.Set();
        }

        return waiter is null ? Task.CompletedTask : WaitForFlushAsync(waiter, cancellationToken);
    }

    /// <summary>Waits for a flush; a cancelled wait leaves nothing behind (flushes may be retried often during an outage).</summary>
    private async Task WaitForFlushAsync(FlushWaiter waiter, CancellationToken cancellationToken)
    {
        if (!cancellationToken.CanBeCanceled)
        {
            await waiter.Completion.Task.ConfigureAwait(false);
            return;
        }

        await using var registration = cancellationToken.Register(() =>
        {
            lock (_stateLock)
            {
                _flushWaiters.Remove(waiter);
            }

            waiter.Completion.TrySetCanceled(cancellationToken);
        }).ConfigureAwait(false);
        await waiter.Completion.Task.ConfigureAwait(false);
    }

    private void MarkSpoolAcked(ulong sequence)
    {
        if (_spool is null)
        {
            return;
        }

        try
        {
            _spool.MarkAcked(sequence);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            ReportError(UsageReporterErrorKind.SpoolFailed, $"Recording acknowledgements in the spool {_spool.DirectoryPath} failed ({ex.Message}); acknowledged batches may be resent after a restart.", ex);
        }
    }

    private void ReportError(UsageReporterErrorKind kind, string message, Exception? exception = null)
        => ReportError(new UsageReporterError(kind, message, exception));

    private void ReportError(UsageReporterError error)
    {
        Interlocked.Increment(ref _errors);
        ReporterLog.Error(_logger, ProducerId, error.Kind, error.Message, error.Exception);
        if (_onError is { } callback)
        {
            try
            {
                callback(error);
            }
            catch (Exception ex)
            {
                ReporterLog.CallbackFailed(_logger, nameof(UsageReporterOptions.OnError), ex);
            }
        }
    }
}
