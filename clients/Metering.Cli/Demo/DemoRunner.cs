using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Metering.Cli.Commands;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;
using Grpc.Core;
using Spectre.Console;

namespace Metering.Cli.Demo;

/// <summary>
/// The <c>make run</c> demo: sets up hosts, HOST keys and agreements; one host reports usage of last month's last
/// half hour; streams usage from two gateways per host for a while, showing live totals; checks that what the
/// reporters had acknowledged is exactly what the service counted; waits until settlement sees it; corrects this
/// month and, through a dispute of last month's FINAL statement, last month (see DemoRunner.Corrections.cs); settles
/// the month again and prints every host's statement and the delivery statistics. The demo's HOST keys are revoked at
/// the end.
/// </summary>
internal sealed partial class DemoRunner
{
    private const int MaxSettlementAttempts = 6;

    private readonly CliContext _context;
    private readonly DemoOptions _options;
    private readonly ConsoleView _view;
    private readonly TextWriter _out;
    private readonly TextWriter _log;
    private readonly TimeProvider _time;
    private readonly UsageTally _recorded = new();
    private readonly UsageTally _rejected = new();
    private readonly List<DemoGateway> _gateways = [];

    public DemoRunner(CliContext context, DemoOptions options)
    {
        _context = context;
        _options = options;
        _view = context.Output;
        _out = context.Out;
        _log = TextWriter.Synchronized(context.Error);
        _time = context.Time;
    }

    private static IReadOnlyList<string> HostIds => DemoCatalog.Hosts.Select(h => h.HostId).ToList();

    public async Task<int> RunAsync(CancellationToken cancellationToken)
    {
        var start = _time.GetUtcNow();
        var period = start.ToString("yyyy-MM", CultureInfo.InvariantCulture);
        var runId = Guid.NewGuid().ToString("N")[..8];
        _out.WriteLine($"== metering demo ({runId}): {DemoCatalog.Hosts.Count} hosts x {_options.GatewaysPerHost} gateways stream usage for {_options.Duration.TotalSeconds:0} s");
        _out.WriteLine($"   metering service {_context.Globals.Address.OriginalString}, settlement service {_context.Globals.SettlementAddress.OriginalString}");
        _out.WriteLine();

        await EnsureHostsAsync(cancellationToken);
        var keys = await CreateHostKeysAsync(runId, cancellationToken);
        try
        {
            await SetAgreementsAsync(period, cancellationToken);
            if (!await ReportLastMonthAsync(period, runId, keys[DisputingHost].Secret, cancellationToken))
            {
                return ExitCodes.Failed;
            }

            var runRange = RunRange(start);
            var baseline = await CountAsync(runRange, cancellationToken);
            var metricsBefore = await ReadMetricsAsync(cancellationToken);
            foreach (var host in DemoCatalog.Hosts)
            {
                for (var i = 1; i <= _options.GatewaysPerHost; i++)
                {
                    _gateways.Add(new DemoGateway(host, i, _context.Globals.Address, keys[host.HostId].Secret, runId, _recorded, _rejected, _log));
                }
            }

            await StreamAsync(runRange, baseline, cancellationToken);
            await FlushGatewaysAsync(cancellationToken);
            var counted = await WaitUntilCountedAsync(runRange, baseline, cancellationToken);
            var settled = await SettleWhenVisibleAsync(period, cancellationToken);
            var corrected = await CorrectAsync(period, keys, counted, cancellationToken);
            var (statements, agree) = await SettleAsync(period, report: true, cancellationToken);

            await WriteReportAsync(period, statements, cancellationToken);
            var exactlyOnce = WriteExactlyOnce(counted);
            var metricsAgree = metricsBefore is null || WriteMetrics((await ReadMetricsAsync(cancellationToken))! - metricsBefore);
            return !exactlyOnce || !metricsAgree ? ExitCodes.Mismatch : settled && corrected && agree ? ExitCodes.Ok : ExitCodes.Failed;
        }
        finally
        {
            foreach (var gateway in _gateways)
            {
                await gateway.DisposeAsync();
            }

            await RevokeKeysAsync(keys.Values);
        }
    }

    // ---------------------------------------------------------------- setup

    private async Task EnsureHostsAsync(CancellationToken cancellationToken)
    {
        var created = new List<string>();
        var reused = new List<string>();
        foreach (var host in DemoCatalog.Hosts)
        {
            try
            {
                await _context.Metering.Admin.CreateHostAsync(new CreateHostRequest { HostId = host.HostId, DisplayName = host.DisplayName }, cancellationToken);
                created.Add(host.HostId);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.AlreadyExists)
            {
                reused.Add(host.HostId);
            }
        }

        _out.WriteLine($"hosts: created [{string.Join(", ", created)}], reused [{string.Join(", ", reused)}]");
    }

    private async Task<Dictionary<string, (string KeyId, string Secret)>> CreateHostKeysAsync(string runId, CancellationToken cancellationToken)
    {
        var keys = new Dictionary<string, (string KeyId, string Secret)>(StringComparer.Ordinal);
        foreach (var host in DemoCatalog.Hosts)
        {
            var response = await _context.Metering.Admin.CreateApiKeyAsync(
                new CreateApiKeyRequest { Role = Role.Host, HostId = host.HostId, Description = $"metering demo {runId} gateways" },
                cancellationToken);
            keys[host.HostId] = (response.ApiKey.KeyId, response.Secret);
        }

        _out.WriteLine($"keys:  one HOST key per host for its gateways ({string.Join(", ", keys.Select(k => $"{k.Key} {k.Value.KeyId}"))}); revoked when the demo ends");
        return keys;
    }

    /// <summary>
    /// Every host's agreement effective this month; the disputing host's effective last month (its late report is
    /// settled there), or this month if an earlier run already finalized last month.
    /// </summary>
    private async Task SetAgreementsAsync(string period, CancellationToken cancellationToken)
    {
        _out.WriteLine("agreements:");
        foreach (var host in DemoCatalog.Hosts)
        {
            var agreement = host.Agreement();
            agreement.HostId = host.HostId;
            agreement.EffectiveMonth = host.HostId == DisputingHost ? PreviousPeriod(period) : period;
            Agreement stored;
            try
            {
                stored = (await _context.Settlement.Settlement.UpsertAgreementAsync(new UpsertAgreementRequest { Agreement = agreement }, cancellationToken)).Agreement;
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.FailedPrecondition && agreement.EffectiveMonth != period)
            {
                agreement.EffectiveMonth = period;
                stored = (await _context.Settlement.Settlement.UpsertAgreementAsync(new UpsertAgreementRequest { Agreement = agreement }, cancellationToken)).Agreement;
            }

            var rates = stored.RateCard.Count == 0 ? "gross = what the host billed" : "rates for " + string.Join(", ", stored.RateCard.Select(r => r.Model));
            var minimum = stored.MinimumPayment.Length == 0 ? string.Empty : $", minimum {stored.MinimumPayment}";
            _out.WriteLine($"  {host.HostId,-11} from {stored.EffectiveMonth} {stored.Currency} {Rendering.Labels.Basis(stored.RevenueBasis)}: {rates}; share {Rendering.AgreementRenderer.Tiers(stored)}{minimum}");
        }

        _out.WriteLine();
    }

    private async Task RevokeKeysAsync(IEnumerable<(string KeyId, string Secret)> keys)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        var revoked = 0;
        foreach (var (keyId, _) in keys)
        {
            try
            {
                await _context.Metering.Admin.RevokeApiKeyAsync(new RevokeApiKeyRequest { KeyId = keyId }, timeout.Token);
                revoked++;
            }
            catch (Exception e) when (e is RpcException or OperationCanceledException)
            {
                _log.WriteLine($"demo: could not revoke demo key {keyId}: {e.Message}");
            }
        }

        _out.WriteLine($"Revoked the demo's {revoked} HOST key(s).");
    }

    // ---------------------------------------------------------------- streaming

    private async Task StreamAsync(GetUsageRequest runRange, Dictionary<(string Host, string Model), UsageTotals> baseline, CancellationToken cancellationToken)
    {
        if (_view.IsTerminal)
        {
            // A person watches: one table, redrawn in place every LiveInterval.
            await _view.Terminal.Live(LiveTable(TimeSpan.Zero, [])).StartAsync(live => StreamAsync(
                runRange,
                baseline,
                (elapsed, counted) =>
                {
                    live.UpdateTarget(LiveTable(elapsed, counted));
                    live.Refresh();
                },
                cancellationToken));
        }
        else
        {
            // A file or a pipe (make run is often piped): a new table every LiveInterval, one after the other.
            await StreamAsync(runRange, baseline, WriteLive, cancellationToken);
        }

        _out.WriteLine();
    }

    private async Task StreamAsync(
        GetUsageRequest runRange,
        Dictionary<(string Host, string Model), UsageTotals> baseline,
        Action<TimeSpan, Dictionary<(string Host, string Model), UsageTotals>> show,
        CancellationToken cancellationToken)
    {
        var started = _time.GetUtcNow();
        var until = started + _options.Duration;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var streams = _gateways.Select(g => Task.Run(() => g.RunAsync(until, _time, stop.Token), CancellationToken.None)).ToList();
        var all = Task.WhenAll(streams);
        try
        {
            var printed = started;
            for (var tick = 1; !all.IsCompleted; tick++)
            {
                var due = started + (_options.LiveInterval * tick) - _time.GetUtcNow();
                await Task.WhenAny(all, Task.Delay(due > TimeSpan.Zero ? due : TimeSpan.Zero, _time, cancellationToken));
                if (all.IsCompleted && _time.GetUtcNow() - printed < _options.LiveInterval / 2)
                {
                    break; // the streams ended right after the last table
                }

                var delta = Subtract(await CountAsync(runRange, cancellationToken), baseline);
                printed = _time.GetUtcNow();
                show(printed - started, delta);
            }
        }
        finally
        {
            await stop.CancelAsync();
            await all;
        }

        cancellationToken.ThrowIfCancellationRequested();
    }

    private async Task FlushGatewaysAsync(CancellationToken cancellationToken)
    {
        _out.WriteLine("Streaming stopped; flushing the reporters (waiting for every batch's ack)...");
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(60));
        try
        {
            await Task.WhenAll(_gateways.Select(g => g.FlushAsync(timeout.Token)));
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            _log.WriteLine("demo: the reporters did not get every acknowledgement within 60 s; the check below counts what is still pending");
        }
    }

    // ---------------------------------------------------------------- checks

    /// <summary>Polls GetUsage until this run's counts equal what the reporters had acknowledged (30 s at most).</summary>
    private async Task<Dictionary<(string Host, string Model), UsageTotals>> WaitUntilCountedAsync(
        GetUsageRequest runRange, Dictionary<(string Host, string Model), UsageTotals> baseline, CancellationToken cancellationToken)
    {
        var expected = Expected();
        var deadline = _time.GetUtcNow() + TimeSpan.FromSeconds(30);
        while (true)
        {
            var counted = Subtract(await CountAsync(runRange, cancellationToken), baseline);
            if (SameTotals(expected, counted) || _time.GetUtcNow() >= deadline)
            {
                return counted;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500), _time, cancellationToken);
        }
    }

    /// <summary>
    /// Settlement reads what the flusher has written to PostgreSQL: waits one flush interval, settles, and compares each
    /// statement's usage lines with GetUsage's month totals (Redis and PostgreSQL); settles again after another interval
    /// until they agree.
    /// </summary>
    private async Task<bool> SettleWhenVisibleAsync(string period, CancellationToken cancellationToken)
    {
        for (var attempt = 1; ; attempt++)
        {
            _out.WriteLine($"Waiting {_options.FlushWait.TotalSeconds:0} s for the flush to PostgreSQL (settlement reads flushed usage), then settling {period} (attempt {attempt})...");
            await Task.Delay(_options.FlushWait, _time, cancellationToken);
            var (_, settled) = await SettleAsync(period, report: attempt == MaxSettlementAttempts, cancellationToken);
            if (settled)
            {
                _out.WriteLine($"Settlement sees every counted record of {period} (statements match GetUsage for every host and model).");
                _out.WriteLine();
                return true;
            }

            if (attempt == MaxSettlementAttempts)
            {
                _out.WriteLine();
                return false;
            }
        }
    }

    /// <summary>
    /// Settles the month for the demo hosts and compares each statement's usage lines with GetUsage's corrected month
    /// totals; with <paramref name="report"/>, a difference is written to the error output.
    /// </summary>
    private async Task<(IReadOnlyList<Statement> Statements, bool Agree)> SettleAsync(string period, bool report, CancellationToken cancellationToken)
    {
        var monthStart = YearMonthStart(period);
        var request = new RunSettlementRequest { Period = period };
        request.HostIds.AddRange(HostIds);
        var response = await _context.Settlement.Settlement.RunSettlementAsync(request, cancellationToken);
        var counted = await CountAsync(Query(monthStart, monthStart.AddMonths(1), UsageView.Corrected), cancellationToken);
        var missing = response.Statements.Where(s => !SameTotals(UsageOf(s, counted), StatementUsage(s))).Select(s => s.HostId).ToList();
        var agree = missing.Count == 0 && response.Skipped.Count == 0;
        if (!agree && report)
        {
            _log.WriteLine($"demo: settlement of {period} differs from GetUsage for [{string.Join(", ", missing)}]; skipped [{string.Join(", ", response.Skipped.Select(s => $"{s.HostId}: {s.Reason}"))}]");
        }

        return (response.Statements.OrderBy(s => s.HostId, StringComparer.Ordinal).ToList(), agree);
    }

    private Dictionary<(string Host, string Model), UsageTotals> Expected()
    {
        var expected = _recorded.Snapshot();
        foreach (var (key, rejected) in _rejected.Snapshot())
        {
            expected[key] = expected.GetValueOrDefault(key) - rejected;
        }

        return expected;
    }

    private static Dictionary<(string Host, string Model), UsageTotals> UsageOf(Statement statement, Dictionary<(string Host, string Model), UsageTotals> counted)
        => counted.Where(c => c.Key.Host == statement.HostId).ToDictionary(c => c.Key, c => c.Value);

    private static Dictionary<(string Host, string Model), UsageTotals> StatementUsage(Statement statement)
        => statement.Lines
            .Where(l => l.Kind == StatementLineKind.Usage)
            .ToDictionary(l => (statement.HostId, l.Model), l => new UsageTotals(l.Requests, l.InputTokens, l.OutputTokens, l.BilledMicros));

    private static bool SameTotals(Dictionary<(string Host, string Model), UsageTotals> a, Dictionary<(string Host, string Model), UsageTotals> b)
    {
        var keys = a.Keys.Union(b.Keys);
        return keys.All(k => a.GetValueOrDefault(k) == b.GetValueOrDefault(k));
    }

    private static Dictionary<(string Host, string Model), UsageTotals> Subtract(Dictionary<(string Host, string Model), UsageTotals> now, Dictionary<(string Host, string Model), UsageTotals> before)
    {
        var result = new Dictionary<(string Host, string Model), UsageTotals>();
        foreach (var key in now.Keys.Union(before.Keys))
        {
            var delta = now.GetValueOrDefault(key) - before.GetValueOrDefault(key);
            if (delta != default)
            {
                result[key] = delta;
            }
        }

        return result;
    }

    // ---------------------------------------------------------------- queries

    /// <summary>Whole hours around the run, as ingested (RAW: the exactly-once check compares what was counted): from the hour it starts to an hour past its end (plus the 5-minute clock skew the server allows).</summary>
    private GetUsageRequest RunRange(DateTimeOffset start)
    {
        var from = new DateTimeOffset(start.Year, start.Month, start.Day, start.Hour, 0, 0, TimeSpan.Zero);
        var end = start + _options.Duration + TimeSpan.FromMinutes(10);
        var to = new DateTimeOffset(end.Year, end.Month, end.Day, end.Hour, 0, 0, TimeSpan.Zero).AddHours(1);
        return Query(from, to, UsageView.Raw);
    }

    /// <summary>Totals per host and model of the demo hosts; RAW is what was ingested, CORRECTED what settlement counts.</summary>
    private static GetUsageRequest Query(DateTimeOffset from, DateTimeOffset to, UsageView view)
    {
        var request = new GetUsageRequest
        {
            View = view,
            StartTime = Timestamp.FromDateTimeOffset(from),
            EndTime = Timestamp.FromDateTimeOffset(to),
            Granularity = Granularity.Total,
            PageSize = 10_000,
        };
        request.HostIds.AddRange(HostIds);
        request.GroupBy.Add(UsageGroupBy.Host);
        request.GroupBy.Add(UsageGroupBy.Model);
        return request;
    }

    /// <summary>The demo hosts' records and the flush lag as the metering service's /metrics reports them; null without --metrics.</summary>
    private async Task<IngestMetricsReading?> ReadMetricsAsync(CancellationToken cancellationToken)
    {
        if (_options.Metrics is not { } metrics)
        {
            return null;
        }

        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        return await IngestMetricsReading.ReadAsync(http, metrics, HostIds.ToHashSet(StringComparer.Ordinal), cancellationToken);
    }

    private async Task<Dictionary<(string Host, string Model), UsageTotals>> CountAsync(GetUsageRequest request, CancellationToken cancellationToken)
    {
        var rows = new List<UsageRow>();
        await foreach (var row in _context.Metering.Usage.GetAllUsageAsync(request, cancellationToken))
        {
            rows.Add(row);
        }

        return UsageTally.FromRows(rows);
    }
}
