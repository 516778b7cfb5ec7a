using System.Diagnostics;
using System.Globalization;
using System.Threading.Channels;
using Metering.Domain.Ingest;
using Metering.Service.Redis;
using Metering.Service.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace Metering.Service.Ingest;

/// <summary>
/// Group commit: batches from every stream queue here; one loop takes all that are waiting (up to
/// <see cref="IngestOptions.MaxBatchesPerCommit"/>), and sends one Lua step per host, all pipelined on the one
/// Redis connection. Round trips therefore grow with time, not with records. Each batch's task completes only
/// after Redis has answered, i.e. applied it (with appendfsync always, durably).
/// </summary>
internal sealed partial class RedisGroupCommitter : IAsyncDisposable
{
    private readonly Channel<PendingCommit> _queue = Channel.CreateUnbounded<PendingCommit>(new UnboundedChannelOptions { SingleReader = true });
    private readonly RedisConnection _redis;
    private readonly IngestOptions _options;
    private readonly ILogger<RedisGroupCommitter> _logger;
    private readonly SemaphoreSlim _commitSlots;
    private readonly RedisValue _producerTtl;
    private readonly RedisValue _keyTtl;
    private readonly RedisValue _bucketTotalTtl;
    private readonly Task _loop;

    private readonly IngestMetrics _metrics;

    public RedisGroupCommitter(RedisConnection redis, IngestMetrics metrics, IOptions<IngestOptions> options, IOptions<IngestLimits> limits, ILogger<RedisGroupCommitter> logger)
    {
        _redis = redis;
        _metrics = metrics;
        _options = options.Value;
        _logger = logger;
        _commitSlots = new SemaphoreSlim(_options.MaxConcurrentCommits);
        _producerTtl = ((long)_options.ProducerStateTtl.TotalSeconds).ToString(CultureInfo.InvariantCulture);
        _keyTtl = ((long)_options.IdempotencyWindow.TotalSeconds).ToString(CultureInfo.InvariantCulture);

        // A bucket takes usage while its hour is younger than MaxEventAge; its total must outlive that.
        _bucketTotalTtl = ((long)(limits.Value.MaxEventAge + TimeSpan.FromDays(1)).TotalSeconds).ToString(CultureInfo.InvariantCulture);
        _loop = Task.Run(RunAsync);
    }

    public Task<CommitOutcome> CommitAsync(PendingCommit commit)
    {
        if (!_queue.Writer.TryWrite(commit))
        {
            commit.TrySetException(new InvalidOperationException("The ingest committer has stopped."));
        }

        return commit.Task;
    }

    /// <summary>A producer's stored state (its last sequence and head receipt, <see cref="ProducerState"/>), or null for a new producer.</summary>
    public async Task<string?> ReadProducerStateAsync(string hostId, string producerId)
    {
        var database = await _redis.GetDatabaseAsync();
        return await database.StringGetAsync(_redis.Keys.For(hostId).Producer(producerId));
    }

    public async ValueTask DisposeAsync()
    {
        _queue.Writer.TryComplete();
        await _loop;
    }

    private async Task RunAsync()
    {
        var reader = _queue.Reader;
        var taken = new List<PendingCommit>();
        while (await reader.WaitToReadAsync())
        {
            await _commitSlots.WaitAsync();
            taken.Clear();
            while (taken.Count < _options.MaxBatchesPerCommit && reader.TryRead(out var next))
            {
                taken.Add(next);
            }

            if (taken.Count == 0)
            {
                _commitSlots.Release();
                continue;
            }

            _metrics.Committed(taken.Count);
            var tasks = new List<Task>();
            try
            {
                var database = await _redis.GetDatabaseAsync();
                foreach (var group in GroupByHost(taken))
                {
                    tasks.Add(ExecuteAsync(database, group));
                }
            }
            catch (Exception ex)
            {
                foreach (var commit in taken)
                {
                    commit.TrySetException(ex);
                }
            }

            _ = ReleaseWhenDoneAsync(tasks);
        }
    }

    private async Task ReleaseWhenDoneAsync(List<Task> tasks)
    {
        try
        {
            await Task.WhenAll(tasks);
        }
        catch
        {
            // Each batch carries its own failure.
        }
        finally
        {
            _commitSlots.Release();
        }
    }

    private static IEnumerable<List<PendingCommit>> GroupByHost(List<PendingCommit> batch)
    {
        if (batch.TrueForAll(c => c.HostId == batch[0].HostId))
        {
            yield return new List<PendingCommit>(batch);
            yield break;
        }

        var groups = new Dictionary<string, List<PendingCommit>>(StringComparer.Ordinal);
        foreach (var commit in batch)
        {
            if (!groups.TryGetValue(commit.HostId, out var list))
            {
                groups[commit.HostId] = list = [];
            }

            list.Add(commit);
        }

        foreach (var list in groups.Values)
        {
            yield return list;
        }
    }

    private async Task ExecuteAsync(IDatabase database, List<PendingCommit> group)
    {
        try
        {
            var keys = _redis.Keys.For(group[0].HostId);
            var args = IngestScript.Arguments(keys.PrefixValue, _producerTtl, _bucketTotalTtl, _keyTtl, group);
            var started = Stopwatch.GetTimestamp();
            var result = await database.ScriptEvaluateAsync(IngestScript.Source, [keys.Live], args);
            _metrics.HostStep(started);
            var answer = (RedisResult[])result!;
            var outcomes = (RedisResult[])answer[0]!;
            var extras = (RedisResult[])answer[1]!;
            string?[]? stored = null;
            for (var i = 0; i + 1 < extras.Length; i += 2)
            {
                stored ??= new string?[group.Count];
                stored[(int)(long)extras[i] - 1] = (string?)extras[i + 1];
            }

            for (var i = 0; i < group.Count; i++)
            {
                group[i].TrySetResult(CommitOutcome.FromScriptResult((long)outcomes[i], stored?[i]));
            }
        }
        catch (Exception ex)
        {
            LogCommitFailed(_logger, group.Count, ex);
            foreach (var commit in group)
            {
                commit.TrySetException(ex);
            }
        }
    }

    [LoggerMessage(EventId = 300, Level = LogLevel.Warning, Message = "A group commit of {Batches} batches to Redis failed.")]
    private static partial void LogCommitFailed(ILogger logger, int batches, Exception exception);
}
