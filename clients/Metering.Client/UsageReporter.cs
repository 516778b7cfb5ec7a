using Google.Protobuf.WellKnownTypes;
using Metering.Client.Internal;
using Metering.Contracts.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace Metering.Client;

/// <summary>
/// Streams a gateway's usage to the metering service, exactly once.
/// <para>
/// <see cref="Record"/> appends to the open batch under a lock held for one list append (no I/O, no await). A batch
/// closes at <see cref="UsageReporterOptions.MaxBatchRecords"/> records or when its first record is
/// <see cref="UsageReporterOptions.MaxBatchAge"/> old, and takes the producer's next sequence number. One background
/// sender keeps one <c>IngestService.StreamUsage</c> stream open, writes up to
/// <see cref="UsageReporterOptions.MaxInFlightBatches"/> batches ahead of their acknowledgements, and matches each
/// acknowledgement to the oldest batch in flight. When the stream fails it reconnects with exponential backoff and
/// jitter and resends every unacknowledged batch in sequence order; the server answers DUPLICATE for those it had
/// already applied, which count as delivered. REJECTED batches are reported through
/// <see cref="UsageReporterOptions.OnRejected"/> and never retried.
/// </para>
/// <para>
/// Memory is bounded by <see cref="UsageReporterOptions.MaxBufferedRecords"/>; beyond it
/// <see cref="UsageReporterOptions.OverflowPolicy"/> applies. With <see cref="UsageReporterOptions.SpoolDirectory"/>,
/// every batch is on disk before it is sent, and a reporter started on the same directory resumes the producer.
/// </para>
/// Thread-safe. Dispose with <see cref="DisposeAsync"/>, which flushes for at most
/// <see cref="UsageReporterOptions.DisposeFlushTimeout"/>.
/// </summary>
public sealed partial class UsageReporter : IAsyncDisposable
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly GrpcChannel? _ownedChannel;
    private readonly AuthorizedCalls _calls;
    private readonly UsageSpool? _spool;
    private readonly int _maxBatchRecords;
    private readonly TimeSpan _maxBatchAge;
    private readonly int _maxInFlight;
    private readonly long _maxBuffered;
    private readonly OverflowPolicy _overflowPolicy;
    private readonly TimeSpan _maxBlock;
    private readonly TimeSpan _reconnectBaseDelay;
    private readonly TimeSpan _reconnectMaxDelay;
    private readonly TimeSpan _authFailureRetryDelay;
    private readonly TimeSpan _disposeFlushTimeout;
    private readonly bool _compressRequests;
    private readonly Action<RejectedBatch>? _onRejected;
    private readonly Action<UsageReporterError>? _onError;
    private readonly CancellationTokenSource _stop = new();
    private readonly CancellationTokenRegistration _stopWakesSender;
    private readonly Task _sender;
    private int _disposed;

    /// <summary>
    /// Creates the reporter and starts its background sender (the first stream opens with the first batch). With a
    /// spool, loads it first: the producer id, the next sequence and every unacknowledged batch, which is resent.
    /// </summary>
    /// <param name="options">Settings; validated here.</param>
    /// <param name="logger">Where to log; defaults to none.</param>
    /// <exception cref="ArgumentException">A setting is invalid; the message names it.</exception>
    /// <exception cref="InvalidOperationException">The spool directory is used by another reporter.</exception>
    public UsageReporter(UsageReporterOptions options, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        _time = options.TimeProvider;
        _logger = logger ?? NullLogger.Instance;
        _maxBatchRecords = options.MaxBatchRecords;
        _maxBatchAge = options.MaxBatchAge;
        _maxInFlight = options.MaxInFlightBatches;
        _maxBuffered = options.MaxBufferedRecords;
        _overflowPolicy = options.OverflowPolicy;
        _maxBlock = options.MaxBlock;
        _reconnectBaseDelay = options.ReconnectBaseDelay;
        _reconnectMaxDelay = options.ReconnectMaxDelay;
        _authFailureRetryDelay = options.AuthFailureRetryDelay;
        _disposeFlushTimeout = options.DisposeFlushTimeout;
        _compressRequests = options.CompressRequests;
        _onRejected = options.OnRejected;
        _onError = options.OnError;

        if (options.SpoolDirectory is { } directory)
        {
            _spool = UsageSpool.Open(directory, options.ProducerId, options.SpoolSegmentBytes, options.SpoolFlushToDisk, _time, _logger);
        }

        try
        {
            ProducerId = _spool?.ProducerId ?? options.ProducerId ?? Guid.NewGuid().ToString("D");
            _nextSequence = _spool?.NextSequence ?? 1;
            _ackedThrough = _spool?.LoadedAckedThrough ?? 0;
            foreach (var request in _spool?.LoadedBatches ?? [])
            {
                _pending.Add(new PendingBatch(request, restored: true));
                _buffered += request.Records.Count;
                _recordsRestored += request.Records.Count;
            }

            _open = NewOpenBatch();
            _ownedChannel = options.Address is { } address ? GrpcChannel.ForAddress(address, options.ChannelOptions ?? new GrpcChannelOptions()) : null;
            _calls = new AuthorizedCalls(options.CallInvoker ?? (_ownedChannel ?? options.Channel!).CreateCallInvoker(), options.ApiKey!);
            _ageTimer = _time.CreateTimer(static state => ((UsageReporter)state!).OnAgeTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        }
        catch
        {
            _spool?.Dispose();
            throw;
        }

        _stopWakesSender = _stop.Token.Register(static state => ((AsyncSignal)state!).Set(), _wake);
        _sender = Task.Run(RunSenderAsync);
    }

    /// <summary>The producer id every batch carries: configured, resumed from the spool, or a new GUID.</summary>
    public string ProducerId { get; }

    /// <summary>
    /// Records usage of one model. Returns at once in the common case: the record is appended to the open batch under
    /// a lock held for a list append. When <see cref="UsageReporterOptions.MaxBufferedRecords"/> are held,
    /// <see cref="UsageReporterOptions.OverflowPolicy"/> decides: <see cref="OverflowPolicy.Block"/> waits at most
    /// <see cref="UsageReporterOptions.MaxBlock"/> (real time) and then drops, <see cref="OverflowPolicy.DropNewest"/>
    /// drops at once, <see cref="OverflowPolicy.Throw"/> throws.
    /// </summary>
    /// <param name="model">The model name, 1 to 128 characters of <c>[A-Za-z0-9._:/-]</c>.</param>
    /// <param name="inputTokens">Prompt tokens, 0 to 10^12.</param>
    /// <param name="outputTokens">Completion tokens, 0 to 10^12.</param>
    /// <param name="requests">Inference requests, 0 to 10^12; defaults to 1. One of the three counters must be positive.</param>
    /// <param name="billedMicros">What the host billed for this usage, in millionths of its agreement currency; optional.</param>
    /// <param name="eventTime">When the usage happened; defaults to now. The server rejects times older than 35 days or more than 5 minutes ahead.</param>
    /// <returns>True when the record was taken; false when the overflow policy dropped it (counted in <see cref="UsageReporterStats.RecordsDropped"/>).</returns>
    /// <exception cref="ArgumentException">The model or a counter is invalid (checked here so that one record cannot get a whole batch rejected).</exception>
    /// <exception cref="InvalidOperationException">The buffer is full and the policy is <see cref="OverflowPolicy.Throw"/>.</exception>
    /// <exception cref="ObjectDisposedException">The reporter is disposed.</exception>
    public bool Record(string model, long inputTokens, long outputTokens, long requests = 1, long? billedMicros = null, DateTimeOffset? eventTime = null)
    {
        RecordValidation.Validate(model, inputTokens, outputTokens, requests, billedMicros);
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _recordingStopped), this);
        if (!TryReserve() && !WaitForRoom())
        {
            return false;
        }

        var record = new UsageRecord
        {
            Model = model,
            InputTokens = inputTokens,
            OutputTokens = outputTokens,
            Requests = requests,
            EventTime = Timestamp.FromDateTimeOffset(eventTime ?? _time.GetUtcNow()),
        };
        if (billedMicros is { } billed)
        {
            record.BilledMicros = billed;
        }

        Append(record);
        return true;
    }

    /// <summary>
    /// Closes the open batch and waits until every batch recorded so far is resolved: acknowledged as ACCEPTED,
    /// DUPLICATE or REJECTED (or reported lost). Waits across reconnects; use the token to bound the wait.
    /// </summary>
    /// <param name="cancellationToken">Stops the wait (not the delivery).</param>
    public Task FlushAsync(CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) != 0, this);
        return FlushCoreAsync(cancellationToken);
    }

    /// <summary>A snapshot of the counters.</summary>
    public UsageReporterStats GetStats()
    {
        var closed = ClosedCount();
        lock (_stateLock)
        {
            return new UsageReporterStats
            {
                RecordsRecorded = Interlocked.Read(ref _recorded),
                RecordsRestored = _recordsRestored,
                RecordsAccepted = _recordsAccepted,
                RecordsDuplicate = _recordsDuplicate,
                RecordsRejected = _recordsRejected,
                RecordsDropped = Interlocked.Read(ref _dropped),
                BatchesSent = _batchesSent,
                BatchesAccepted = _batchesAccepted,
                BatchesDuplicate = _batchesDuplicate,
                BatchesRejected = _batchesRejected,
                BatchesResent = _batchesResent,
                BatchesLost = _batchesLost,
                Reconnects = _reconnects,
                Errors = Interlocked.Read(ref _errors),
                InFlightBatches = _inFlight,
                UnackedBatches = _pending.Count + closed,
                BufferedRecords = Interlocked.Read(ref _buffered),
                AckedThroughSequence = _ackedThrough,
            };
        }
    }

    /// <summary>
    /// Stops taking records, closes the open batch, waits up to <see cref="UsageReporterOptions.DisposeFlushTimeout"/>
    /// for everything to be acknowledged, then closes the stream. What is still unacknowledged stays in the spool (and
    /// is resent by the next reporter on the directory); without a spool it is lost and logged.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        StopRecording();
        if (_disposeFlushTimeout > TimeSpan.Zero)
        {
            try
            {
                await FlushCoreAsync(CancellationToken.None).WaitAsync(_disposeFlushTimeout, _time).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
            }
        }

        await _stop.CancelAsync().ConfigureAwait(false);
        await _sender.ConfigureAwait(false);
        await _ageTimer.DisposeAsync().ConfigureAwait(false);
        await _stopWakesSender.DisposeAsync().ConfigureAwait(false);

        int batches;
        long records;
        lock (_stateLock)
        {
            batches = _pending.Count;
            records = 0;
            for (var i = 0; i < _pending.Count; i++)
            {
                records += _pending[i].RecordCount;
            }

            foreach (var waiter in _flushWaiters)
            {
                waiter.Completion.TrySetException(new ObjectDisposedException(nameof(UsageReporter), "The reporter was disposed before these records were acknowledged."));
            }

            _flushWaiters.Clear();
        }

        if (batches > 0)
        {
            ReporterLog.UnackedAtStop(_logger, ProducerId, batches, records, _spool is null ? "they are lost (no spool)" : "they stay in the spool " + _spool.DirectoryPath);
        }

        try
        {
            _spool?.Dispose();
        }
        catch (IOException ex)
        {
            ReportError(UsageReporterErrorKind.SpoolFailed, "Closing the spool failed: " + ex.Message, ex);
        }

        _ownedChannel?.Dispose();
        _stop.Dispose();
    }
}
