using System.Diagnostics;
using Grpc.Health.V1;
using Grpc.Core;
using Grpc.Net.Client;
using Metering.LoadGen.Metrics;
using Metering.LoadGen.Reporting;
using Metering.LoadGen.Rpc;
using Metering.LoadGen.Setup;
using Metering.LoadGen.Streams;
using Metering.LoadGen.Verification;
using Metering.LoadGen.Workload;

namespace Metering.LoadGen;

/// <summary>
/// One run: wait for the service, create hosts and keys, pre-encode the batches, run the streams with a progress
/// line, then report the figures and check exactly-once against GetUsage.
/// </summary>
internal sealed class LoadGenRunner
{
    private static readonly TimeSpan TemplateRefreshInterval = TimeSpan.FromMinutes(1);

    private readonly LoadGenOptions _options;
    private readonly TimeProvider _time;
    private readonly TextWriter _out;
    private readonly TextWriter _log;

    public LoadGenRunner(LoadGenOptions options, TimeProvider time, TextWriter output, TextWriter log)
    {
        _options = options;
        _time = time;
        _out = output;
        _log = log;
    }

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var o = _options;
        using var admin = GrpcChannel.ForAddress(o.Target);
        var channels = Enumerable.Range(0, o.Connections).Select(_ => GrpcChannel.ForAddress(o.Target)).ToList();
        try
        {
            if (o.WaitReady > TimeSpan.Zero)
            {
                await WaitReadyAsync(admin, cancellationToken);
            }

            var (hosts, streams) = await HostProvisioner.ProvisionAsync(admin, o.AdminKey, o.RunId, o.Hosts, o.Streams, cancellationToken);
            _log.WriteLine($"loadgen: run {o.RunId}: hosts {string.Join(", ", hosts)}; {o.Streams} streams on {o.Connections} connections to {o.Target}");

            var catalog = new ModelCatalog(o.Models);
            var workers = BuildWorkers(streams, catalog, channels, out var pools, out var clock);
            var runStart = _time.GetUtcNow().UtcDateTime;
            var runs = workers.Select(w => Task.Run(() => w.RunAsync(cancellationToken), CancellationToken.None)).ToList();
            var all = Task.WhenAll(runs);
            var (cpuStart, cpuEnd) = await WatchAsync(all, workers, pools, clock, cancellationToken);
            await all;
            var runEnd = _time.GetUtcNow().UtcDateTime;

            cancellationToken.ThrowIfCancellationRequested();
            var summary = await SummarizeAsync(admin, hosts, streams, workers, catalog, clock, cpuStart, cpuEnd, runStart, runEnd, cancellationToken);
            ReportWriter.PrintTable(summary, _out);
            if (o.JsonPath is { } path)
            {
                ReportWriter.WriteJson(summary, path);
                _log.WriteLine($"loadgen: figures written to {path}");
            }

            return summary.ExitCode;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _log.WriteLine("loadgen: interrupted");
            return ExitCodes.Interrupted;
        }
        catch (RpcException ex)
        {
            _log.WriteLine($"loadgen: {ex.StatusCode}: {ex.Status.Detail}");
            return ExitCodes.RunFailed;
        }
        finally
        {
            foreach (var channel in channels)
            {
                channel.Dispose();
            }
        }
    }

    private List<StreamWorker> BuildWorkers(IReadOnlyList<ProvisionedStream> streams, ModelCatalog catalog, List<GrpcChannel> channels, out List<TemplatePool> pools, out RunClock clock)
    {
        var o = _options;
        var now = _time.GetUtcNow().UtcDateTime;
        pools = [];
        var plans = new List<(ulong? Batches, int Tail)>();
        foreach (var stream in streams)
        {
            ulong? batches = null;
            var tail = 0;
            if (o.TotalRecords is { } total)
            {
                var records = (total / o.Streams) + (stream.Index < total % o.Streams ? 1 : 0);
                batches = (ulong)((records + o.BatchSize - 1) / o.BatchSize);
                tail = (int)(records % o.BatchSize);
            }

            // Every other host reports what it billed, so both kinds of record are exercised.
            var pool = new TemplatePool(HashCode.Combine(o.RunId, stream.Index), catalog, o.BatchSize, o.Templates, tail, reportsBilling: stream.HostIndex % 2 == 0);
            pool.Refresh(now);
            BatchTemplateFactory.CheckEncoding(pool.Get(1), stream.ProducerId, catalog);
            pools.Add(pool);
            plans.Add((batches, tail));
        }

        // A fixed rate is split evenly: each stream sends a batch every interval, the streams offset by a fraction of it.
        var interval = o.Rate > 0 ? o.BatchSize / (o.Rate / o.Streams) * Stopwatch.Frequency : 0;
        clock = new RunClock(Stopwatch.GetTimestamp(), o.Warmup, o.Duration);
        var workers = new List<StreamWorker>();
        foreach (var stream in streams)
        {
            workers.Add(new StreamWorker(
                stream.Index, stream.HostId, stream.ProducerId, stream.Key, channels[stream.Index % channels.Count].CreateCallInvoker(), pools[stream.Index], catalog.Count, clock,
                o.InFlight, plans[stream.Index].Batches, interval, interval * stream.Index / o.Streams, o.DrainTimeout));
        }

        return workers;
    }

    /// <summary>Until the streams are done: the progress line each second, CPU snapshots around the measurement, template refreshes each minute.</summary>
    private async Task<(CpuSnapshot Start, CpuSnapshot End)> WatchAsync(Task all, List<StreamWorker> workers, List<TemplatePool> pools, RunClock clock, CancellationToken cancellationToken)
    {
        var watched = _options.WatchedProcesses;
        var progress = new ProgressPrinter(workers, clock, _log, overwrite: !Console.IsErrorRedirected && ReferenceEquals(_log, Console.Error));
        CpuSnapshot? cpuStart = clock.MeasureFrom <= Stopwatch.GetTimestamp() ? CpuSnapshot.Take(watched) : null;
        var nextRefresh = Stopwatch.GetTimestamp() + RunClock.ToTicks(TemplateRefreshInterval);
        var nextTick = clock.Start + Stopwatch.Frequency;
        while (!all.IsCompleted)
        {
            var wakeAt = cpuStart is null ? Math.Min(nextTick, clock.MeasureFrom) : nextTick;
            var wait = TimeSpan.FromSeconds(Math.Max(0, (double)(wakeAt - Stopwatch.GetTimestamp()) / Stopwatch.Frequency));
            await Task.WhenAny(all, Task.Delay(wait, cancellationToken));
            cancellationToken.ThrowIfCancellationRequested();
            var now = Stopwatch.GetTimestamp();
            if (cpuStart is null && now >= clock.MeasureFrom)
            {
                cpuStart = CpuSnapshot.Take(watched);
            }

            if (now < nextTick)
            {
                continue;
            }

            nextTick += Stopwatch.Frequency;
            if (_options.Progress && !all.IsCompleted)
            {
                progress.Print();
            }

            if (now >= nextRefresh)
            {
                nextRefresh = now + RunClock.ToTicks(TemplateRefreshInterval);
                var utc = _time.GetUtcNow().UtcDateTime;
                foreach (var pool in pools)
                {
                    pool.Refresh(utc);
                }
            }
        }

        var cpuEnd = CpuSnapshot.Take(watched);
        if (_options.Progress)
        {
            progress.Print();
            progress.Finish();
        }

        return (cpuStart ?? cpuEnd, cpuEnd);
    }

    private async Task<RunSummary> SummarizeAsync(
        GrpcChannel admin, IReadOnlyList<string> hosts, IReadOnlyList<ProvisionedStream> streams, List<StreamWorker> workers, ModelCatalog catalog,
        RunClock clock, CpuSnapshot cpuStart, CpuSnapshot cpuEnd, DateTime runStart, DateTime runEnd, CancellationToken cancellationToken)
    {
        var byHost = hosts.Select(_ => new UsageTally(catalog.Count)).ToList();
        var lastAck = clock.MeasureFrom;
        foreach (var worker in workers)
        {
            byHost[streams[worker.Index].HostIndex].Add(worker.Tally);
            lastAck = Math.Max(lastAck, worker.LastAckTimestamp);
        }

        var failures = workers.Where(w => w.Failure is not null).Select(w => $"stream {w.Index} ({w.HostId}/{w.ProducerId}) after {w.BatchesAcked:N0} acks: {w.Failure}").ToList();
        _log.WriteLine("loadgen: checking exactly-once with GetUsage ...");
        var verification = await ExactlyOnceVerifier.VerifyAsync(admin, _options.AdminKey, hosts, catalog, byHost, runStart.AddMinutes(-1), runEnd, cancellationToken);
        return new RunSummary
        {
            RunId = _options.RunId,
            Options = _options,
            Hosts = hosts,
            BatchesSent = workers.Sum(w => w.BatchesSent),
            RecordsSent = workers.Sum(w => w.RecordsSent),
            BatchesAcked = workers.Sum(w => w.BatchesAcked),
            RecordsAcked = workers.Sum(w => w.RecordsAccepted),
            RecordsTallied = byHost.Sum(t => t.Records),
            RecordsAckedMeasured = workers.Sum(w => w.RecordsAcceptedMeasured),
            MeasuredSeconds = (double)(lastAck - clock.MeasureFrom) / Stopwatch.Frequency,
            Latency = LatencySummary.From(LatencyHistograms.Merge(workers.Select(w => w.Latency))),
            SendLag = LatencySummary.From(LatencyHistograms.Merge(workers.Select(w => w.SendLag))),
            TimerLag = LatencySummary.From(LatencyHistograms.Merge(workers.Select(w => w.TimerLag))),
            Duplicates = workers.Sum(w => w.Duplicates),
            Rejected = workers.Sum(w => w.Rejected),
            AcceptedCountMismatches = workers.Sum(w => w.AcceptedCountMismatches),
            InDoubtBatches = workers.Where(w => w.Failure is not null).Sum(w => w.InDoubtBatches),
            StreamFailures = failures,
            FirstRejection = workers.Select(w => w.FirstRejection).FirstOrDefault(r => r is not null),
            Cpu = cpuEnd.Since(cpuStart, _options.WatchedProcesses),
            Verification = verification,
        };
    }

    private async Task WaitReadyAsync(GrpcChannel channel, CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.GetTimestamp() + RunClock.ToTicks(_options.WaitReady);
        string last = "no answer yet";
        while (Stopwatch.GetTimestamp() < deadline)
        {
            try
            {
                var health = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: cancellationToken);
                if (health.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }

                last = health.Status.ToString();
            }
            catch (RpcException ex) when (!cancellationToken.IsCancellationRequested)
            {
                last = $"{ex.StatusCode}: {ex.Status.Detail}";
            }

            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }

        throw new RpcException(new Status(StatusCode.Unavailable, $"{_options.Target} did not report SERVING within {_options.WaitReady.TotalSeconds:0} s (last: {last})"));
    }
}
