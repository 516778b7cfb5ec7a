using Metering.Client;

namespace Metering.Chaos;

/// <summary>
/// One host's gateway: a UsageReporter fed at a steady rate while running, remembering exactly what it recorded
/// per model (input tokens, output tokens, requests, records).
/// </summary>
internal sealed class GatewayLoad : IAsyncDisposable
{
    private static readonly string[] Models = ["llama-3.1-70b", "llama-3.1-8b", "mixtral-8x7b", "qwen2.5-72b", "gemma-2-27b"];

    private readonly UsageReporter _reporter;
    private readonly int _recordsPerSecond;
    private readonly Random _random;
    private readonly Dictionary<string, long[]> _recorded = Models.ToDictionary(m => m, _ => new long[4]);
    private readonly SemaphoreSlim _running = new(0);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private volatile bool _paused = true;
    private int _inRecord;
    private long _dropped;

    public GatewayLoad(string hostId, Uri address, string apiKey, int recordsPerSecond, int seed)
    {
        HostId = hostId;
        _recordsPerSecond = recordsPerSecond;
        _random = new Random(seed);
        _reporter = new UsageReporter(new UsageReporterOptions
        {
            Address = address,
            ApiKey = apiKey,
            ProducerId = "chaos-" + hostId,
            MaxBatchRecords = 200,
            MaxBatchAge = TimeSpan.FromMilliseconds(20),
            ReconnectBaseDelay = TimeSpan.FromMilliseconds(50),
            ReconnectMaxDelay = TimeSpan.FromMilliseconds(500),
        });
        _loop = Task.Run(RunAsync);
    }

    public string HostId { get; }

    public long Dropped => Interlocked.Read(ref _dropped);

    public UsageReporterStats Stats => _reporter.GetStats();

    public void Resume()
    {
        _paused = false;
        _running.Release();
    }

    /// <summary>Stops recording and waits until the record loop is idle.</summary>
    public async Task PauseAsync()
    {
        _paused = true;
        while (Volatile.Read(ref _inRecord) == 1)
        {
            await Task.Delay(5);
        }
    }

    /// <summary>Waits until everything recorded is acknowledged (ACCEPTED or DUPLICATE).</summary>
    public Task FlushAsync(CancellationToken cancellationToken) => _reporter.FlushAsync(cancellationToken);

    /// <summary>What was recorded, per model: input, output, requests, records.</summary>
    public IReadOnlyDictionary<string, long[]> Recorded
    {
        get
        {
            lock (_recorded)
            {
                return _recorded.ToDictionary(p => p.Key, p => (long[])p.Value.Clone());
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _running.Release();
        await _loop;
        await _reporter.DisposeAsync();
    }

    private async Task RunAsync()
    {
        const int TicksPerSecond = 100;
        var perTick = Math.Max(1, _recordsPerSecond / TicksPerSecond);
        while (!_stop.IsCancellationRequested)
        {
            if (_paused)
            {
                await _running.WaitAsync();
                continue;
            }

            Volatile.Write(ref _inRecord, 1);
            try
            {
                if (!_paused)
                {
                    for (var i = 0; i < perTick; i++)
                    {
                        var model = Models[_random.Next(Models.Length)];
                        var input = _random.Next(1, 2000);
                        var output = _random.Next(0, 500);
                        if (_reporter.Record(model, input, output, 1))
                        {
                            lock (_recorded)
                            {
                                var sums = _recorded[model];
                                sums[0] += input;
                                sums[1] += output;
                                sums[2] += 1;
                                sums[3] += 1;
                            }
                        }
                        else
                        {
                            Interlocked.Increment(ref _dropped);
                        }
                    }
                }
            }
            finally
            {
                Volatile.Write(ref _inRecord, 0);
            }

            await Task.Delay(1000 / TicksPerSecond);
        }
    }
}
