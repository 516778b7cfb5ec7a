using System.Text.RegularExpressions;
using Metering.Cli.Demo;
using Metering.Cli.Tests.Infrastructure;
using Metering.Testing;

namespace Metering.Cli.Tests;

/// <summary>
/// <c>metering demo</c> as <c>make run</c> runs it, in-process against both real services: it streams, checks
/// exactly-once against GetUsage, settles, and ends with what the metering service's <c>/metrics</c> counted for the
/// demo hosts, which must agree with the reporters' acks. Alone in the process: every in-process service's meter
/// provider listens to every "Metering.Service" meter, so a parallel test's demo hosts would be counted too.
/// </summary>
[Collection(DemoCollection.Name)]
public sealed partial class DemoEndToEndTests
{
    [Fact]
    public async Task Demo_EndsWithMetricsThatAgreeWithTheReporters()
    {
        await using var metering = await MeteringServiceHost.StartAsync(settings: new Dictionary<string, string?> { ["Flush:Interval"] = "00:00:01" });
        await using var settlement = await SettlementServiceHost.StartAsync(DateTime.UtcNow, postgres: metering.Postgres);
        var environment = new Dictionary<string, string>
        {
            ["METERING_ADDRESS"] = metering.Address.ToString().TrimEnd('/'),
            ["METERING_SETTLEMENT_ADDRESS"] = settlement.Address.ToString().TrimEnd('/'),
            ["METERING_API_KEY"] = MeteringServiceHost.AdminKey,
        };

        var run = await MeteringCli.RunAsync(environment, "demo", "--seconds", "2", "--flush-wait", "2", "--metrics", new Uri(metering.HttpAddress, "/metrics").ToString());

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("exactly-once: OK", run.Out, StringComparison.Ordinal);
        var accepted = AcceptedRow().Match(run.Out);
        Assert.True(accepted.Success, run.Out);
        Assert.Equal(accepted.Groups[1].Value, accepted.Groups[2].Value);
        Assert.NotEqual("0", accepted.Groups[1].Value);
        Assert.Contains($"metrics: OK: the {accepted.Groups[1].Value} records accepted by /metrics are the reporters' acks", run.Out, StringComparison.Ordinal);
        Assert.Matches(@"flush lag \d+\.\d s", run.Out);
    }

    [Fact]
    public async Task Demo_CorrectsThisMonth_AndResolvesADisputeOfLastMonthWithACorrection_ThatTheStatementCarries()
    {
        await using var metering = await MeteringServiceHost.StartAsync(settings: new Dictionary<string, string?> { ["Flush:Interval"] = "00:00:01" });
        await using var settlement = await SettlementServiceHost.StartAsync(DateTime.UtcNow, postgres: metering.Postgres);
        var environment = new Dictionary<string, string>
        {
            ["METERING_ADDRESS"] = metering.Address.ToString().TrimEnd('/'),
            ["METERING_SETTLEMENT_ADDRESS"] = settlement.Address.ToString().TrimEnd('/'),
            ["METERING_API_KEY"] = MeteringServiceHost.AdminKey,
        };

        var run = await MeteringCli.RunAsync(environment, "demo", "--seconds", "2", "--flush-wait", "2");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var now = DateTime.UtcNow;
        var period = now.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var previous = now.AddDays(1 - now.Day).AddMonths(-1).ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Contains($"  groq        from {previous} USD reported revenue", run.Out, StringComparison.Ordinal);
        Assert.Contains($"{previous}: groq's gateway reports the last half hour of the month late (ReportUsage, ", run.Out, StringComparison.Ordinal);

        // This month: proposed by the host, approved by billing, named by the DRAFT line.
        var refund = Regex.Match(run.Out, $@"(?m)^  aws \(HOST key\) proposes (co_[0-9a-f]{{16}}) for {period} llama-3\.1-8b: refund, requests -[\d,]+, .+ \[PROPOSED\]$");
        Assert.True(refund.Success, run.Out);
        var refundId = refund.Groups[1].Value;
        Assert.Contains($"  billing approves {refundId} [APPROVED]", run.Out, StringComparison.Ordinal);
        var aws = Section(run.Out, $"== Statement of aws for {period}");
        Assert.Matches($@"(?m)^  llama-3\.1-8b\s+[\d,]+\s+[\d,]+\s+[\d,]+\s+rate llama-3\.1-8b\s+\S+\s+{refundId}$", aws);

        // Last month: FINAL, disputed, resolved by the host's correction, carried as an ADJUSTMENT line naming it.
        Assert.Matches($@"(?m)^  groq's statement st_[0-9a-f]{{16}} for {previous} is FINAL: llama-3\.1-70b 5,000 requests, owed \S+ USD$", run.Out);
        var dispute = Regex.Match(run.Out, @"(?m)^  groq \(HOST key\) disputes line llama-3\.1-70b: (di_[0-9a-f]{16}) \[OPEN\] ");
        Assert.True(dispute.Success, run.Out);
        var correction = Regex.Match(run.Out, $@"(?m)^  groq \(HOST key\) proposes (co_[0-9a-f]{{16}}) for {previous} llama-3\.1-70b: duplicate-report, requests -1,000, input -1,200,000, output -350,000, billed -1\.364000 \[PROPOSED\]$");
        Assert.True(correction.Success, run.Out);
        var correctionId = correction.Groups[1].Value;
        Assert.Contains($"  billing resolves {dispute.Groups[1].Value} with {correctionId} [RESOLVED; correction APPROVED]", run.Out, StringComparison.Ordinal);
        var groq = Section(run.Out, $"== Statement of groq for {period}");
        Assert.Contains("Adjustments: late usage and approved corrections of finalized periods", groq, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^  {previous}\s+llama-3\.1-70b\s+-1,200,000\s+-350,000\s+-1,000\s+as billed\s+-1\.364000\s+{correctionId}$", groq);
        Assert.Contains("exactly-once: OK", run.Out, StringComparison.Ordinal);
    }

    /// <summary>The demo's output from the line starting with <paramref name="title"/> to the next "== " title.</summary>
    private static string Section(string output, string title)
    {
        var start = output.IndexOf(title, StringComparison.Ordinal);
        Assert.True(start >= 0, output);
        var end = output.IndexOf("\n== ", start + title.Length, StringComparison.Ordinal);
        return end < 0 ? output[start..] : output[start..end];
    }

    [Fact]
    public void MetricsReading_SumsTheGivenHostsRecordsByResult_AndReadsTheFlushLag()
    {
        const string scrape = """
            # TYPE metering_ingest_records_total counter
            metering_ingest_records_total{otel_scope_name="Metering.Service",metering_host="aws",metering_reason="none",metering_result="accepted",metering_transport="stream"} 120
            metering_ingest_records_total{otel_scope_name="Metering.Service",metering_host="aws",metering_reason="none",metering_result="accepted",metering_transport="unary"} 3
            metering_ingest_records_total{otel_scope_name="Metering.Service",metering_host="groq",metering_reason="MODEL_INVALID",metering_result="rejected",metering_transport="stream"} 7
            metering_ingest_records_total{otel_scope_name="Metering.Service",metering_host="groq",metering_reason="none",metering_result="duplicate",metering_transport="stream"} 5
            metering_ingest_records_total{otel_scope_name="Metering.Service",metering_host="other",metering_reason="none",metering_result="accepted",metering_transport="stream"} 1000
            # TYPE metering_flush_lag_seconds gauge
            metering_flush_lag_seconds{otel_scope_name="Metering.Service"} 2.5
            metering_flush_lag_seconds_other{otel_scope_name="Metering.Service"} 99
            """;

        var reading = IngestMetricsReading.Parse(scrape, new HashSet<string>(["aws", "groq"], StringComparer.Ordinal));

        Assert.Equal(new IngestMetricsReading(123, 5, 7, 2.5), reading);
        Assert.Equal(new IngestMetricsReading(3, 5, 7, 2.5), reading - new IngestMetricsReading(120, 0, 0, 9));
        Assert.Throws<InvalidOperationException>(() => IngestMetricsReading.Parse("metering_ingest_records_total{metering_host=\"aws\",metering_result=\"accepted\"} 1\n", new HashSet<string>(["aws"], StringComparer.Ordinal)));
    }

    [GeneratedRegex(@"(?m)^\s*accepted\s+([\d,]+)\s+([\d,]+)\s*$")]
    private static partial Regex AcceptedRow();
}

/// <summary>The demo test runs alone (see <see cref="DemoEndToEndTests"/>).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DemoCollection
{
    public const string Name = "demo";
}
