using System.Diagnostics;
using Metering.Contracts.V1;
using Grpc.Core;
using HdrHistogram;
using Metering.LoadGen.Metrics;
using Metering.LoadGen.Rpc;
using Metering.LoadGen.Verification;
using Metering.LoadGen.Workload;

namespace Metering.LoadGen.Streams;

/// <summary>
/// One producer on one HOST key: a raw StreamUsage call with its own sequence numbers, a writer loop that keeps up
/// to the window of batches unacknowledged (paced by schedule at a fixed rate) and a reader loop that matches each
/// ack to its batch by sequence, records its latency and tallies what was ACCEPTED.
/// </summary>
internal sealed partial class StreamWorker
{
    private readonly CallInvoker _invoker;
    private readonly string _key;
    private readonly TemplatePool _pool;
    private readonly RunClock _clock;
    private readonly InFlightSlot[] _slots;
    private readonly SemaphoreSlim _window;
    private readonly ulong? _batchLimit;
    private readonly double _intervalTicks;
    private readonly double _phaseTicks;
    private readonly TimeSpan _drainTimeout;
    private long _batchesSent;
    private long _recordsSent;
    private long _batchesAcked;
    private long _recordsAccepted;
    private long _recordsAcceptedMeasured;
    private long _duplicates;
    private long _rejected;
    private long _acceptedCountMismatches;
    private long _lastAck;
    private string? _failure;
    private string? _firstRejection;

    /// <param name="batchLimit">Batches to send in a --records run (the last may be the pool's tail); null in a duration run.</param>
    /// <param name="intervalTicks">Stopwatch ticks between this stream's sends at a fixed rate; 0 = as fast as the window allows.</param>
    /// <param name="phaseTicks">Offset of this stream's schedule, so that streams do not send in lockstep.</param>
    public StreamWorker(int index, string hostId, string producerId, string key, CallInvoker invoker, TemplatePool pool, int models, RunClock clock, int inFlight, ulong? batchLimit, double intervalTicks, double phaseTicks, TimeSpan drainTimeout)
    {
        Index = index;
        HostId = hostId;
        ProducerId = producerId;
        _key = key;
        _invoker = invoker;
        _pool = pool;
        _clock = clock;
        _batchLimit = batchLimit;
        _intervalTicks = intervalTicks;
        _phaseTicks = phaseTicks;
        _drainTimeout = drainTimeout;
        _window = new SemaphoreSlim(inFlight, inFlight);
        _slots = new InFlightSlot[inFlight];
        for (var i = 0; i < _slots.Length; i++)
        {
            _slots[i].Message = new EncodedStreamUsageRequest(producerId, pool.Get(1));
        }

        Tally = new UsageTally(models);
    }

    public int Index { get; }

    public string HostId { get; }

    public string ProducerId { get; }

    /// <summary>Ack latencies of batches sent after the warm-up.</summary>
    public HistogramBase Latency { get; } = LatencyHistograms.Create();

    /// <summary>At a fixed rate: how late each send was against its schedule, whatever the cause (a full window, a slow write, the load generator itself), after the warm-up.</summary>
    public HistogramBase SendLag { get; } = LatencyHistograms.Create();

    /// <summary>At a fixed rate: how late the writer woke from its pacing sleep (timer resolution, CPU starvation of the load generator), after the warm-up.</summary>
    public HistogramBase TimerLag { get; } = LatencyHistograms.Create();

    public UsageTally Tally { get; }

    public long BatchesSent => Interlocked.Read(ref _batchesSent);

    public long RecordsSent => Interlocked.Read(ref _recordsSent);

    public long BatchesAcked => Interlocked.Read(ref _batchesAcked);

    /// <summary>Sum of records_accepted over the acks.</summary>
    public long RecordsAccepted => Interlocked.Read(ref _recordsAccepted);

    /// <summary>records_accepted of the batches sent after the warm-up (the acks of warm-up batches are not counted, wherever they land).</summary>
    public long RecordsAcceptedMeasured => Interlocked.Read(ref _recordsAcceptedMeasured);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>ACCEPTED acks whose records_accepted differs from the batch's record count.</summary>
    public long AcceptedCountMismatches => Interlocked.Read(ref _acceptedCountMismatches);

    /// <summary>Stopwatch timestamp of the last ack; 0 before the first.</summary>
    public long LastAckTimestamp => Interlocked.Read(ref _lastAck);

    /// <summary>Why the stream ended early, or null if it sent everything and every batch was acknowledged.</summary>
    public string? Failure => Volatile.Read(ref _failure);

    public string? FirstRejection => Volatile.Read(ref _firstRejection);

    /// <summary>Batches sent whose fate is unknown because the stream failed before their ack.</summary>
    public long InDoubtBatches => BatchesSent - BatchesAcked;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var call = _invoker.AsyncDuplexStreamingCall(MeteringMethods.StreamUsage, null, new CallOptions(MeteringMethods.Bearer(_key), cancellationToken: cancellationToken));
        var reading = ReadAcksAsync(call, stop);
        Exception? writeError = null;
        try
        {
            await WriteBatchesAsync(call, stop.Token);
            await call.RequestStream.CompleteAsync();
        }
        catch (Exception ex)
        {
            writeError = ex;
            await stop.CancelAsync();
        }

        // Sending is over: the remaining acks have the drain timeout to arrive.
        try
        {
            await reading.WaitAsync(_drainTimeout, CancellationToken.None);
        }
        catch (TimeoutException)
        {
            Fail($"{InDoubtBatches} acks still missing {_drainTimeout.TotalSeconds:0} s after sending stopped");
            call.Dispose();
            await reading.ContinueWith(static _ => { }, TaskScheduler.Default);
        }
        catch (Exception ex)
        {
            Fail(Describe(ex));
        }

        if (writeError is not null)
        {
            Fail(Describe(writeError));
        }
    }

    private void Fail(string reason) => Interlocked.CompareExchange(ref _failure, reason, null);

    private static string Describe(Exception ex) => ex switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        OperationCanceledException => "cancelled",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };

    private static string DescribeRejection(StreamUsageResponse ack)
        => ack.Violations.Count == 0
            ? $"sequence {ack.Sequence}: REJECTED without violations"
            : $"sequence {ack.Sequence}: {ack.Violations.Count} violations, first {ack.Violations[0].Field} {ack.Violations[0].Reason} ({ack.Violations[0].Description})";

    private static long Now() => Stopwatch.GetTimestamp();
}
