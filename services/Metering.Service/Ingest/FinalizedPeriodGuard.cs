using System.Collections.Concurrent;
using System.Data.Common;
using System.Globalization;
using Metering.Domain.Ingest;
using Metering.Domain.Settlement;
using Metering.Persistence;
using Microsoft.Extensions.Options;

namespace Metering.Service.Ingest;

/// <summary>
/// No usage into a month whose statement is FINAL beyond the adjustment look-back (docs/wire.md, "Batch validation").
/// Late usage of a FINAL month is settled as ADJUSTMENT lines on a later statement, and a statement of month P carries
/// the FINAL months P−L .. P−1 (L = Settlement:AdjustmentLookbackMonths,
/// <see cref="AdjustmentCarrier.PeriodsCarriedBy"/>). So with C the current UTC month, usage of a FINAL month before
/// C−L would never be settled, and its batch is rejected whole. The common case, every record in C−L or later, is one
/// comparison per record: PostgreSQL is only asked when a record is older, and the host's FINAL months are then cached
/// for <see cref="CacheLifetime"/>.
/// </summary>
internal sealed partial class FinalizedPeriodGuard
{
    /// <summary>How long a host's FINAL months are reused: a statement finalized later is enforced within this.</summary>
    public static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);

    private const int MaxCachedHosts = 10_000;

    private readonly FinalizedPeriodReader _reader;
    private readonly TimeProvider _time;
    private readonly ILogger<FinalizedPeriodGuard> _logger;
    private readonly int _lookbackMonths;
    private readonly ConcurrentDictionary<string, CacheEntry> _cache = new(StringComparer.Ordinal);

    public FinalizedPeriodGuard(FinalizedPeriodReader reader, IOptions<AdjustmentLookbackOptions> options, TimeProvider time, ILogger<FinalizedPeriodGuard> logger)
    {
        _reader = reader;
        _time = time;
        _logger = logger;
        _lookbackMonths = options.Value.AdjustmentLookbackMonths;
    }

    /// <summary>
    /// Returns <paramref name="prepared"/>, or a rejected batch with a PERIOD_FINALIZED violation for each record in a
    /// FINAL month beyond the look-back. Completes synchronously unless a record is older than the look-back; throws
    /// <see cref="StoreUnavailableException"/> when the FINAL months are needed and PostgreSQL cannot tell them. A batch already rejected is
    /// returned as it is.
    /// </summary>
    public ValueTask<PreparedBatch> CheckAsync(string hostId, ReadOnlyMemory<ReceivedRecord> records, PreparedBatch prepared, CancellationToken cancellationToken)
    {
        if (prepared.IsRejected)
        {
            return ValueTask.FromResult(prepared);
        }

        var oldestCarried = YearMonth.Of(_time.GetUtcNow().UtcDateTime).AddMonths(-_lookbackMonths);
        var cutoff = new DateTimeOffset(oldestCarried.StartUtc).ToUnixTimeSeconds();
        var span = records.Span;
        for (var i = 0; i < span.Length; i++)
        {
            if (span[i].HasEventTime && span[i].EventTimeSeconds < cutoff)
            {
                return CheckFinalPeriodsAsync(hostId, records, prepared, oldestCarried, cutoff, cancellationToken);
            }
        }

        return ValueTask.FromResult(prepared);
    }

    private async ValueTask<PreparedBatch> CheckFinalPeriodsAsync(
        string hostId, ReadOnlyMemory<ReceivedRecord> records, PreparedBatch prepared, YearMonth oldestCarried, long cutoff, CancellationToken cancellationToken)
    {
        var final = await FinalPeriodsAsync(hostId, cancellationToken);
        if (final.Count == 0)
        {
            return prepared;
        }

        List<Violation>? violations = null;
        for (var i = 0; i < records.Length; i++)
        {
            // Months before 1970 cannot have a statement (YearMonth starts there).
            var record = records.Span[i];
            var seconds = record.EventTimeSeconds;
            if (!record.HasEventTime || seconds >= cutoff || seconds < 0)
            {
                continue;
            }

            var month = YearMonth.Of(DateTimeOffset.FromUnixTimeSeconds(seconds).UtcDateTime);
            if (final.Contains(month))
            {
                violations ??= [];
                violations.Add(new Violation(
                    string.Create(CultureInfo.InvariantCulture, $"records[{i}].event_time"),
                    ViolationReasons.PeriodFinalized,
                    string.Create(CultureInfo.InvariantCulture, $"{month} is settled (statement FINAL) and beyond the {_lookbackMonths}-month adjustment look-back; only {oldestCarried} and later months are still adjusted")));
            }
        }

        return violations is null ? prepared : new PreparedBatch([], 0, violations);
    }

    /// <summary>The host's FINAL months, from the cache or one shared query; <see cref="StoreUnavailableException"/> when PostgreSQL fails it.</summary>
    private async Task<IReadOnlySet<YearMonth>> FinalPeriodsAsync(string hostId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (!_cache.TryGetValue(hostId, out var entry) || entry.Expires <= now)
        {
            if (_cache.Count >= MaxCachedHosts)
            {
                _cache.Clear();
            }

            var fresh = new CacheEntry(now + CacheLifetime);
            entry = _cache.AddOrUpdate(hostId, fresh, (_, current) => current.Expires > now ? current : fresh);
            if (ReferenceEquals(entry, fresh))
            {
                // Not tied to this caller's token: other batches of the host may be waiting for the same load.
                _ = LoadAsync(hostId, fresh);
            }
        }

        try
        {
            return await entry.Periods.Task.WaitAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is DbException or TimeoutException && !cancellationToken.IsCancellationRequested)
        {
            throw new StoreUnavailableException("The settlement store is unavailable, so usage older than the adjustment look-back cannot be checked; nothing of this batch was applied. Retry.", ex);
        }
    }

    private async Task LoadAsync(string hostId, CacheEntry entry)
    {
        try
        {
            var periods = await _reader.ListFinalPeriodsAsync(hostId, CancellationToken.None);
            entry.Periods.TrySetResult(periods.ToHashSet());
        }
        catch (Exception ex)
        {
            // Not cached: the next batch that needs it asks again.
            _cache.TryRemove(KeyValuePair.Create(hostId, entry));
            LogLookupFailed(_logger, hostId, ex);
            entry.Periods.TrySetException(ex);
        }
    }

    [LoggerMessage(EventId = 301, Level = LogLevel.Warning, Message = "Reading the FINAL statement months of host {HostId} failed; its batches with usage older than the adjustment look-back fail until a read succeeds.")]
    private static partial void LogLookupFailed(ILogger logger, string hostId, Exception exception);

    private sealed class CacheEntry(DateTimeOffset expires)
    {
        public DateTimeOffset Expires { get; } = expires;

        public TaskCompletionSource<IReadOnlySet<YearMonth>> Periods { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
