using System.Diagnostics;
using Metering.Client.Internal;
using Metering.Contracts.V1;

namespace Metering.Client;

/// <summary>The request path: the open batch, closing batches by size and age, and the memory bound.</summary>
public sealed partial class UsageReporter
{
    private readonly Lock _recordLock = new();
    private readonly object _capacityGate = new();
    private readonly ITimer _ageTimer;

    // Guarded by _recordLock.
    private StreamUsageRequest _open;
    private long _openStartedTimestamp;
    private ulong _nextSequence;
    private List<PendingBatch> _closed = [];
    private bool _recordingStopped;

    // Interlocked (the blocked-recorder count is written under _capacityGate).
    private long _buffered;
    private long _recorded;
    private long _dropped;
    private int _blockedRecorders;

    private StreamUsageRequest NewOpenBatch() => new() { ProducerId = ProducerId };

    private void Append(UsageRecord record)
    {
        bool taken;
        var closed = false;
        var arm = false;
        lock (_recordLock)
        {
            taken = !_recordingStopped;
            if (taken)
            {
                var records = _open.Records;
                if (records.Count == 0)
                {
                    _openStartedTimestamp = _time.GetTimestamp();
                    arm = true;
                }

                records.Add(record);
                closed = records.Count >= _maxBatchRecords && CloseOpenBatchLocked();
            }
        }

        if (!taken)
        {
            Release(1);
            throw new ObjectDisposedException(nameof(UsageReporter));
        }

        Interlocked.Increment(ref _recorded);
        if (closed)
        {
            _wake.Set();
        }
        else if (arm)
        {
            _ageTimer.Change(_maxBatchAge, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>Gives the open batch the next sequence and queues it for the sender.</summary>
    private bool CloseOpenBatchLocked()
    {
        if (_open.Records.Count == 0)
        {
            return false;
        }

        _open.Sequence = _nextSequence++;
        _closed.Add(new PendingBatch(_open, restored: false));
        _open = NewOpenBatch();
        return true;
    }

    private void OnAgeTimer()
    {
        var closed = false;
        TimeSpan? rearm = null;
        lock (_recordLock)
        {
            if (_recordingStopped || _open.Records.Count == 0)
            {
                return;
            }

            var age = _time.GetElapsedTime(_openStartedTimestamp);
            if (age >= _maxBatchAge)
            {
                closed = CloseOpenBatchLocked();
            }
            else
            {
                rearm = _maxBatchAge - age;
            }
        }

        if (closed)
        {
            _wake.Set();
        }
        else if (rearm is { } due)
        {
            _ageTimer.Change(due, Timeout.InfiniteTimeSpan);
        }
    }

    private void StopRecording()
    {
        bool closed;
        lock (_recordLock)
        {
            _recordingStopped = true;
            closed = CloseOpenBatchLocked();
        }

        lock (_capacityGate)
        {
            Monitor.PulseAll(_capacityGate);
        }

        if (closed)
        {
            _wake.Set();
        }
    }

    private int ClosedCount()
    {
        lock (_recordLock)
        {
            return _closed.Count;
        }
    }

    private bool TryReserve()
    {
        var current = Volatile.Read(ref _buffered);
        while (current < _maxBuffered)
        {
            var seen = Interlocked.CompareExchange(ref _buffered, current + 1, current);
            if (seen == current)
            {
                return true;
            }

            current = seen;
        }

        return false;
    }

    /// <summary>The buffer is full: applies the overflow policy. True when room was found.</summary>
    private bool WaitForRoom()
    {
        switch (_overflowPolicy)
        {
            case OverflowPolicy.DropNewest:
                Interlocked.Increment(ref _dropped);
                return false;
            case OverflowPolicy.Throw:
                throw new InvalidOperationException($"The usage reporter already holds {_maxBuffered} unacknowledged records (UsageReporterOptions.MaxBufferedRecords); the record was not taken.");
        }

        // The bound is real time on purpose (Stopwatch, not the injected TimeProvider): it protects the caller's
        // request latency, which a test clock does not stop.
        var started = Stopwatch.GetTimestamp();
        lock (_capacityGate)
        {
            _blockedRecorders++;
            try
            {
                while (true)
                {
                    if (TryReserve())
                    {
                        return true;
                    }

                    var remaining = _maxBlock - Stopwatch.GetElapsedTime(started);
                    if (remaining <= TimeSpan.Zero || Volatile.Read(ref _recordingStopped))
                    {
                        break;
                    }

                    Monitor.Wait(_capacityGate, remaining);
                }
            }
            finally
            {
                _blockedRecorders--;
            }
        }

        Interlocked.Increment(ref _dropped);
        return false;
    }

    /// <summary>Returns room for <paramref name="records"/> records and wakes recorders blocked on a full buffer.</summary>
    private void Release(long records)
    {
        Interlocked.Add(ref _buffered, -records);
        if (Volatile.Read(ref _blockedRecorders) > 0)
        {
            lock (_capacityGate)
            {
                Monitor.PulseAll(_capacityGate);
            }
        }
    }
}
