using System.Data.Common;
using System.Diagnostics;
using Metering.Persistence;
using Metering.Service.Telemetry;
using StackExchange.Redis;
using Microsoft.Extensions.Options;

namespace Metering.Service.Flush;

/// <summary>
/// Moves counters from Redis to PostgreSQL (docs/architecture.md, "Flush"). Each cycle: first re-flush snapshots left
/// in Redis (a crash between commit and delete, or another replica's flush in progress — the recorded flush id makes a
/// repeat a no-op), then cut every host's live buckets into a snapshot with a new flush id, write the snapshots to
/// PostgreSQL in transactions of about <see cref="FlushOptions.MaxRowsPerTransaction"/> rows, each recording the flush
/// ids it commits, and only then delete those snapshots. Nothing is deleted from Redis before PostgreSQL has committed
/// it, and nothing is added twice.
/// </summary>
internal sealed partial class UsageFlusher : BackgroundService
{
    /// <summary>
    /// Hosts read from Redis at once: enough to keep Redis busy, few enough that the first rows reach PostgreSQL early
    /// and snapshot deletes are not queued behind every host's read.
    /// </summary>
    private const int CutWindow = 8;

    private readonly RedisSnapshotStore _snapshots;
    private readonly UsageFlushWriter _writer;
    private readonly HostRepository _hosts;
    private readonly FlushOptions _options;
    private readonly TimeProvider _time;
    private readonly ILogger<UsageFlusher> _logger;
    private readonly FlushMetrics _metrics;
    private DateTime _lastPrune;
    private IReadOnlyList<string> _knownHosts = [];

    public UsageFlusher(RedisSnapshotStore snapshots, UsageFlushWriter writer, HostRepository hosts, FlushMetrics metrics, IOptions<FlushOptions> options, TimeProvider time, ILogger<UsageFlusher> logger)
    {
        _snapshots = snapshots;
        _metrics = metrics;
        _writer = writer;
        _hosts = hosts;
        _options = options.Value;
        _time = time;
        _logger = logger;
    }

    /// <summary>Runs one cycle; returns the number of rows written to PostgreSQL. A failed cycle is counted by the store that failed.</summary>
    public async Task<int> FlushOnceAsync(CancellationToken cancellationToken)
    {
        using var activity = MeteringTelemetry.Source.StartActivity("flush cycle");
        var started = Stopwatch.GetTimestamp();
        try
        {
            var written = await CycleAsync(cancellationToken);
            _metrics.Cycle(started, written);
            activity?.SetTag("metering.flush.rows", written);
            return written;
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            _metrics.Failed(ex switch
            {
                DbException => "postgres",
                RedisException or RedisTimeoutException => "redis",
                _ => "other",
            });
            activity?.SetStatus(ActivityStatusCode.Error, ex.GetType().Name);
            throw;
        }
    }

    private async Task<int> CycleAsync(CancellationToken cancellationToken)
    {
        IReadOnlyList<string> hosts;
        try
        {
            hosts = await _hosts.ListIdsAsync(cancellationToken);
            _knownHosts = hosts;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // PostgreSQL is unreachable: the lag still ages, measured over the hosts the last cycle knew.
            await MeasureLagAsync(_knownHosts);
            throw;
        }

        var written = 0;
        try
        {
            var leftovers = (await Task.WhenAll(hosts.Select(_snapshots.ReadLeftoversAsync))).SelectMany(s => s).ToList();
            if (leftovers.Count > 0)
            {
                LogRecovering(_logger, leftovers.Count);
                _metrics.Orphaned(leftovers.Count);
                written += await WriteAndDeleteAsync(leftovers, cancellationToken);
                _metrics.Recovered(leftovers.Count);
            }

            written += await CutAndWriteAsync(hosts, cancellationToken);
        }
        finally
        {
            await MeasureLagAsync(hosts);
        }

        var now = _time.GetUtcNow().UtcDateTime;
        if (now - _lastPrune > TimeSpan.FromHours(1))
        {
            await _writer.PruneAsync(now - _options.FlushIdRetention, cancellationToken);
            _lastPrune = now;
        }

        return written;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!_options.Enabled)
        {
            return;
        }

        using var timer = new PeriodicTimer(_options.Interval, _time);
        while (await WaitAsync(timer, stoppingToken))
        {
            await RunCycleAsync(stoppingToken);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        if (!_options.Enabled)
        {
            return;
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(10));
        try
        {
            await RunCycleAsync(timeout.Token);
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            // Safe: what was not committed stays in Redis (live or as a snapshot) for the next cycle of any replica.
            LogFinalFlushCut(_logger);
        }
    }

    private async Task RunCycleAsync(CancellationToken cancellationToken)
    {
        try
        {
            var rows = await FlushOnceAsync(cancellationToken);
            if (rows > 0)
            {
                LogFlushed(_logger, rows);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            LogCycleFailed(_logger, ex);
        }
    }

    /// <summary>Reads when the oldest usage still only in Redis arrived (for the flush lag); a failed read keeps the last.</summary>
    private async Task MeasureLagAsync(IReadOnlyCollection<string> hosts)
    {
        try
        {
            var oldest = (await Task.WhenAll(hosts.Select(_snapshots.OldestUnflushedAsync))).Where(t => t is not null).DefaultIfEmpty(null).Min();
            _metrics.OldestUnflushed(oldest);
        }
        catch (Exception ex) when (ex is RedisException or RedisTimeoutException)
        {
            LogLagUnknown(_logger, ex);
        }
    }

    /// <summary>
    /// Cuts every host (<see cref="CutWindow"/> at a time, pipelined to Redis) and, as the snapshots arrive, hands them
    /// to PostgreSQL in transactions of about <see cref="FlushOptions.MaxRowsPerTransaction"/> rows, up to
    /// <see cref="FlushOptions.MaxParallelWrites"/> at a time, so Redis, this process and PostgreSQL work at once.
    /// A failure leaves the snapshots not yet committed in Redis, for the next cycle.
    /// </summary>
    private async Task<int> CutAndWriteAsync(IReadOnlyList<string> hosts, CancellationToken cancellationToken)
    {
        var cycle = Guid.NewGuid().ToString("N");
        using var slots = new SemaphoreSlim(_options.MaxParallelWrites);
        using var cutWindow = new SemaphoreSlim(CutWindow);
        var writes = new List<Task<int>>();
        var pending = new List<UsageFlushSnapshot>();
        var pendingRows = 0;
        try
        {
            await foreach (var cut in Task.WhenEach(hosts.Select(host => CutInWindowAsync(host, cycle + "." + host, cutWindow, cancellationToken))).WithCancellation(cancellationToken))
            {
                if (await cut is not { } snapshot)
                {
                    continue;
                }

                pending.Add(snapshot);
                pendingRows += snapshot.Rows.Count;
                if (pendingRows >= _options.MaxRowsPerTransaction)
                {
                    writes.Add(WriteInSlotAsync(pending, slots, cancellationToken));
                    pending = [];
                    pendingRows = 0;
                }
            }

            if (pending.Count > 0)
            {
                writes.Add(WriteInSlotAsync(pending, slots, cancellationToken));
            }
        }
        finally
        {
            // Writes already started finish (and delete what they committed) before a cut failure is reported.
            await Task.WhenAll(writes).ContinueWith(static _ => { }, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
        }

        var written = 0;
        foreach (var write in writes)
        {
            written += await write;
        }

        return written;
    }

    private async Task<UsageFlushSnapshot?> CutInWindowAsync(string host, string uniquePart, SemaphoreSlim window, CancellationToken cancellationToken)
    {
        await window.WaitAsync(cancellationToken);
        try
        {
            return await _snapshots.CutAsync(host, uniquePart);
        }
        finally
        {
            window.Release();
        }
    }

    /// <summary>Writes in one of the parallel slots; the slot is free again once PostgreSQL has committed.</summary>
    private async Task<int> WriteInSlotAsync(List<UsageFlushSnapshot> snapshots, SemaphoreSlim slots, CancellationToken cancellationToken)
    {
        int rows;
        await slots.WaitAsync(cancellationToken);
        try
        {
            rows = await _writer.WriteAsync(snapshots, _time.GetUtcNow().UtcDateTime, cancellationToken);
        }
        finally
        {
            slots.Release();
        }

        await DeleteAfterCommitAsync(snapshots);
        return rows;
    }

    private async Task<int> WriteAndDeleteAsync(List<UsageFlushSnapshot> snapshots, CancellationToken cancellationToken)
    {
        if (snapshots.Count == 0)
        {
            return 0;
        }

        var rows = await _writer.WriteAsync(snapshots, _time.GetUtcNow().UtcDateTime, cancellationToken);
        await DeleteAfterCommitAsync(snapshots);
        return rows;
    }

    private async Task DeleteAfterCommitAsync(List<UsageFlushSnapshot> snapshots)
    {
        Failpoints.Hit("flush-after-commit");
        await Task.WhenAll(snapshots.Select(_snapshots.DeleteAsync));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(cancellationToken);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 400, Level = LogLevel.Debug, Message = "Flushed {Rows} counter rows to PostgreSQL.")]
    private static partial void LogFlushed(ILogger logger, int rows);

    [LoggerMessage(EventId = 401, Level = LogLevel.Warning, Message = "Re-flushing {Snapshots} snapshots left in Redis.")]
    private static partial void LogRecovering(ILogger logger, int snapshots);

    [LoggerMessage(EventId = 402, Level = LogLevel.Warning, Message = "A flush cycle failed; its snapshots stay in Redis and are re-flushed next cycle.")]
    private static partial void LogCycleFailed(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 404, Level = LogLevel.Debug, Message = "The flush lag could not be read from Redis; it keeps aging from its last reading.")]
    private static partial void LogLagUnknown(ILogger logger, Exception exception);

    [LoggerMessage(EventId = 403, Level = LogLevel.Warning, Message = "The final flush at shutdown did not finish in time; what it did not commit stays in Redis for the next flush.")]
    private static partial void LogFinalFlushCut(ILogger logger);
}
