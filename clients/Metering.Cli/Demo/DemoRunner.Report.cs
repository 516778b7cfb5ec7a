using System.Globalization;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;
using Spectre.Console;

namespace Metering.Cli.Demo;

/// <summary>What the demo prints: live tables, the month's usage, statements, delivery statistics, the exactly-once line.</summary>
internal sealed partial class DemoRunner
{
    private void WriteLive(TimeSpan elapsed, Dictionary<(string Host, string Model), UsageTotals> counted)
    {
        _out.WriteLine(LiveTitle(elapsed));
        _view.Write(LiveTotals(counted), "  ");
    }

    /// <summary>The live view of a terminal: the title and the table.</summary>
    private Table LiveTable(TimeSpan elapsed, Dictionary<(string Host, string Model), UsageTotals> counted)
    {
        var table = LiveTotals(counted);
        table.Title = new TableTitle(Markup.Escape(LiveTitle(elapsed)));
        table.Border = TableBorder.Rounded;
        return table;
    }

    private static string LiveTitle(TimeSpan elapsed)
        => $"t+{elapsed.TotalSeconds,3:0}s  tokens (in+out) counted by GetUsage in this run, per host and model";

    private Table LiveTotals(Dictionary<(string Host, string Model), UsageTotals> counted)
    {
        var columns = new List<(string, Justify)> { ("Host", Justify.Left) };
        columns.AddRange(DemoCatalog.Models.Select(m => (m.Name, Justify.Right)));
        columns.Add(("Tokens", Justify.Right));
        columns.Add(("Requests", Justify.Right));
        columns.Add(("Records acked", Justify.Right));
        var table = Tables.Create([.. columns]);
        foreach (var host in DemoCatalog.Hosts)
        {
            var cells = new List<string> { host.HostId };
            var total = default(UsageTotals);
            foreach (var model in DemoCatalog.Models)
            {
                var usage = counted.GetValueOrDefault((host.HostId, model.Name));
                cells.Add(Numbers.Compact(usage.Tokens));
                total += usage;
            }

            var acked = _gateways.Where(g => g.HostId == host.HostId).Sum(g => { var s = g.Stats; return s.RecordsAccepted + s.RecordsDuplicate; });
            cells.Add(Numbers.Compact(total.Tokens));
            cells.Add(Numbers.Count(total.Requests));
            cells.Add(Numbers.Count(acked));
            table.AddTextRow([.. cells]);
        }

        return table;
    }

    private async Task WriteReportAsync(string period, IReadOnlyList<Statement> statements, CancellationToken cancellationToken)
    {
        var monthStart = DateTimeOffset.ParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        var query = Query(monthStart, monthStart.AddMonths(1), UsageView.Corrected);
        var rows = new List<UsageRow>();
        await foreach (var row in _context.Metering.Usage.GetAllUsageAsync(query, cancellationToken))
        {
            rows.Add(row);
        }

        _out.WriteLine($"== Usage of {period} with its approved corrections (metering usage --from {period} --to {monthStart.AddMonths(1):yyyy-MM} --by host,model)");
        UsageWriter.WriteTable(_view, rows, query.GroupBy, query.Granularity, "  ");
        _out.WriteLine();

        foreach (var statement in statements)
        {
            _out.WriteLine($"== Statement of {statement.HostId} for {period} (metering statements show --host {statement.HostId} --period {period})");
            StatementRenderer.Write(_view, statement);
            _out.WriteLine();
        }

        _out.WriteLine("== Delivery by the gateways' UsageReporters");
        var table = Tables.Create(
            ("Gateway", Justify.Left),
            ("Producer", Justify.Left),
            ("Recorded", Justify.Right),
            ("Acked", Justify.Right),
            ("Duplicates", Justify.Right),
            ("Rejected", Justify.Right),
            ("Dropped", Justify.Right),
            ("Batches", Justify.Right),
            ("Resent", Justify.Right),
            ("Reconnects", Justify.Right));
        var totals = new long[8];
        foreach (var gateway in _gateways)
        {
            var s = gateway.Stats;
            long[] values = [s.RecordsRecorded, s.RecordsAccepted + s.RecordsDuplicate, s.RecordsDuplicate, s.RecordsRejected, s.RecordsDropped, s.BatchesAccepted + s.BatchesDuplicate + s.BatchesRejected, s.BatchesResent, s.Reconnects];
            for (var i = 0; i < values.Length; i++)
            {
                totals[i] += values[i];
            }

            table.AddTextRow([gateway.Name, gateway.ProducerId, .. values.Select(Numbers.Count)]);
        }

        table.SetTotals(["Total", string.Empty, .. totals.Select(Numbers.Count)]);
        _view.Write(table, "  ");
        _out.WriteLine("  Acked = ACCEPTED + DUPLICATE records (a duplicate is a resend the server had already applied: delivered once).");
        _out.WriteLine();
    }

    /// <summary>
    /// Prints the exactly-once verdict: every reporter resolved all it recorded (acked + rejected = recorded, nothing
    /// pending), and the counters of the acked records equal, per host and model, what GetUsage counted in this run.
    /// </summary>
    private bool WriteExactlyOnce(Dictionary<(string Host, string Model), UsageTotals> counted)
    {
        var stats = _gateways.Select(g => g.Stats).ToList();
        var recorded = stats.Sum(s => s.RecordsRecorded);
        var acked = stats.Sum(s => s.RecordsAccepted + s.RecordsDuplicate);
        var rejected = stats.Sum(s => s.RecordsRejected);
        var pending = stats.Sum(s => s.UnackedBatches);
        var expected = Expected();
        var ackedTotals = expected.Values.Aggregate(default(UsageTotals), (a, b) => a + b);
        var countedTotals = counted.Values.Aggregate(default(UsageTotals), (a, b) => a + b);

        var problems = new List<string>();
        if (acked + rejected != recorded || pending != 0)
        {
            problems.Add($"reporters recorded {Numbers.Count(recorded)} records but resolved {Numbers.Count(acked + rejected)} ({pending} batches still unacknowledged)");
        }

        foreach (var key in expected.Keys.Union(counted.Keys).OrderBy(k => k.Item1, StringComparer.Ordinal).ThenBy(k => k.Item2, StringComparer.Ordinal))
        {
            var want = expected.GetValueOrDefault(key);
            var got = counted.GetValueOrDefault(key);
            if (want != got)
            {
                problems.Add($"{key.Item1}/{key.Item2}: acked {Describe(want)}, counted {Describe(got)}");
            }
        }

        var summary = $"{Numbers.Count(acked)} records acked = {Numbers.Count(recorded)} recorded - {Numbers.Count(rejected)} rejected; " +
            $"their {Numbers.Count(ackedTotals.Requests)} requests and {Numbers.Count(ackedTotals.Tokens)} tokens";
        if (problems.Count == 0)
        {
            _out.WriteLine($"exactly-once: OK: {summary} == counted by GetUsage ({Numbers.Count(countedTotals.Requests)} requests, {Numbers.Count(countedTotals.Tokens)} tokens), for every host and model.");
            return true;
        }

        _out.WriteLine($"exactly-once: MISMATCH: {summary}, but GetUsage counted {Numbers.Count(countedTotals.Requests)} requests and {Numbers.Count(countedTotals.Tokens)} tokens:");
        foreach (var problem in problems)
        {
            _out.WriteLine("  " + problem);
        }

        return false;
    }

    /// <summary>
    /// Prints what /metrics counted for the demo hosts in this run and whether it agrees with the reporters: records
    /// accepted, duplicate and rejected as the server counted them against those its acks told the reporters (whose
    /// counters GetUsage counted exactly, above), and the flush lag after the wait for the flush.
    /// </summary>
    private bool WriteMetrics(IngestMetricsReading measured)
    {
        var stats = _gateways.Select(g => g.Stats).ToList();
        var reported = new IngestMetricsReading(stats.Sum(s => s.RecordsAccepted), stats.Sum(s => s.RecordsDuplicate), stats.Sum(s => s.RecordsRejected), measured.FlushLagSeconds);
        _out.WriteLine($"== The metering service's metrics ({_options.Metrics}) for the demo hosts in this run");
        var table = Tables.Create(("Records", Justify.Left), ("/metrics", Justify.Right), ("Reporters' acks", Justify.Right));
        table.AddTextRow("accepted", Numbers.Count(measured.Accepted), Numbers.Count(reported.Accepted));
        table.AddTextRow("duplicate", Numbers.Count(measured.Duplicate), Numbers.Count(reported.Duplicate));
        table.AddTextRow("rejected", Numbers.Count(measured.Rejected), Numbers.Count(reported.Rejected));
        _view.Write(table, "  ");
        _out.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  flush lag {measured.FlushLagSeconds:0.0} s (age of the oldest usage still only in Redis; 0 once everything is in PostgreSQL)"));
        if (measured == reported)
        {
            _out.WriteLine($"metrics: OK: the {Numbers.Count(measured.Accepted)} records accepted by /metrics are the reporters' acks, whose counters GetUsage counted.");
            return true;
        }

        _out.WriteLine("metrics: MISMATCH: /metrics and the reporters' acks disagree (another client of the demo hosts during the run, or a miscount).");
        return false;
    }

    private static string Describe(UsageTotals t)
        => $"{Numbers.Count(t.Requests)} req / {Numbers.Count(t.InputTokens)} in / {Numbers.Count(t.OutputTokens)} out / {Numbers.Count(t.BilledMicros)} billed micros";
}
