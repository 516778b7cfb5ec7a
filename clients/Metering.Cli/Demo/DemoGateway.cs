using Metering.Client;

namespace Metering.Cli.Demo;

/// <summary>
/// One inference gateway of a demo host: every tick it reports, per model, the usage its customers generated in that
/// tick through its own <see cref="UsageReporter"/> (one producer), and tallies what the reporter took and what the
/// server rejected, so the run can be checked against what the service counted.
/// </summary>
internal sealed class DemoGateway : IAsyncDisposable
{
    private static readonly TimeSpan Tick = TimeSpan.FromMilliseconds(50);

    private readonly DemoHost _host;
    private readonly UsageReporter _reporter;
    private readonly UsageTally _recorded;
    private readonly Random _random;
    private readonly double _phase;

    public DemoGateway(DemoHost host, int index, Uri address, string hostKey, string runId, UsageTally recorded, UsageTally rejected, TextWriter log)
    {
        _host = host;
        _recorded = recorded;
        Name = $"{host.HostId}-gw{index}";
        _random = new Random(HashCode.Combine(host.HostId, index, runId));
        _phase = _random.NextDouble() * Math.PI * 2;
        _reporter = new UsageReporter(new UsageReporterOptions
        {
            Address = address,
            ApiKey = hostKey,
            ProducerId = $"demo-{Name}-{runId}",
            OnRejected = batch =>
            {
                foreach (var record in batch.Records)
                {
                    rejected.Add(host.HostId, record);
                }

                log.WriteLine($"demo: {Name}: batch {batch.Sequence} REJECTED: {string.Join("; ", batch.Violations.Take(3).Select(v => $"{v.Field} {v.Reason}"))}");
            },
            OnError = error => log.WriteLine($"demo: {Name}: {error}"),
        });
    }

    public string Name { get; }

    public string HostId => _host.HostId;

    public string ProducerId => _reporter.ProducerId;

    public UsageReporterStats Stats => _reporter.GetStats();

    /// <summary>Reports usage every 50 ms until <paramref name="until"/> or cancellation.</summary>
    public async Task RunAsync(DateTimeOffset until, TimeProvider time, CancellationToken cancellationToken)
    {
        var started = time.GetUtcNow();
        while (!cancellationToken.IsCancellationRequested && time.GetUtcNow() < until)
        {
            var seconds = (time.GetUtcNow() - started).TotalSeconds;
            var load = 1 + (0.25 * Math.Sin((seconds * 2 * Math.PI / 15) + _phase));
            foreach (var model in DemoCatalog.Models)
            {
                var mean = _host.RequestsPerSecond * model.TrafficShare * Tick.TotalSeconds * load;
                var requests = (long)Math.Round(mean * (0.7 + (0.6 * _random.NextDouble())));
                if (requests <= 0)
                {
                    continue;
                }

                var input = (long)Math.Round(requests * model.MeanInputTokens * (0.85 + (0.3 * _random.NextDouble())));
                var output = (long)Math.Round(requests * model.MeanOutputTokens * (0.85 + (0.3 * _random.NextDouble())));
                var billed = (long)Math.Round(((input * model.ListPricePerMillionInput) + (output * model.ListPricePerMillionOutput)) * _host.RetailMarkup);
                if (_reporter.Record(model.Name, input, output, requests, billed))
                {
                    _recorded.Add(_host.HostId, model.Name, new UsageTotals(requests, input, output, billed));
                }
            }

            try
            {
                await Task.Delay(Tick, time, cancellationToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    /// <summary>Waits until everything recorded is acknowledged.</summary>
    public Task FlushAsync(CancellationToken cancellationToken) => _reporter.FlushAsync(cancellationToken);

    public ValueTask DisposeAsync() => _reporter.DisposeAsync();
}
