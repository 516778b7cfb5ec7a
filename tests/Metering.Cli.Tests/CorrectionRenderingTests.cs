using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Tests;

/// <summary>
/// Corrections and disputes as people read them (compared with golden text) and as CSV and JSON; statement lines that
/// include approved corrections name them; the corrections view of usage writes its counts signed.
/// </summary>
public sealed class CorrectionRenderingTests
{
    [Fact]
    public void Correction_Details_ShowSignedDeltasHoursReasonAndDecision()
    {
        Assert.Equal(
            """
            Correction co_00000000000000a1 [DECLINED]
              Host              aws
              Model             llama-3.1-8b
              Period            2026-10
              Hours             2026-10-05 00:00 to 2026-10-06 00:00 UTC
              Input tokens      -500,000
              Output tokens     +1,200
              Requests          0
              Billed            -1.500000
              Reason            duplicate-report: gateway retried a batch
              Proposed          2026-11-02 03:04:05 UTC by k_host (HOST)
              Declined          2026-11-03 00:00:00 UTC by k_billing
              Decline reason    not a duplicate

            """,
            Render(view => CorrectionRenderer.WriteDetails(view, Declined())));
    }

    [Fact]
    public void Correction_OfTheWholeMonth_SaysSo()
    {
        var text = Render(view => CorrectionRenderer.WriteDetails(view, Approved()));

        Assert.Contains("Correction co_00000000000000b2 [APPROVED]\n", text, StringComparison.Ordinal);
        Assert.Contains("\n  Hours             whole month\n", text, StringComparison.Ordinal);
        Assert.Contains("\n  Approved          2026-11-02 03:04:05 UTC by k_billing\n", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Decline reason", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Corrections_Table_OneRowEach()
    {
        Assert.Equal(
            """
            Correction           Period   Host  Model         Hours                                     Input tokens  Output tokens  Requests     Billed  Reason            State     Proposed
            -------------------  -------  ----  ------------  ----------------------------------------  ------------  -------------  --------  ---------  ----------------  --------  ---------------------------------
            co_00000000000000a1  2026-10  aws   llama-3.1-8b  2026-10-05 00:00 to 2026-10-06 00:00 UTC      -500,000         +1,200         0  -1.500000  duplicate-report  DECLINED  2026-11-02 03:04:05 UTC (HOST)
            co_00000000000000b2  2026-10  aws   llama-3.1-8b  whole month                                          0              0       +40   0.000000  missing-usage     APPROVED  2026-11-02 03:04:05 UTC (BILLING)

            """,
            Render(view => CorrectionRenderer.Write(view, [Declined(), Approved()], ExportFormat.Table)));
        Assert.Equal("No corrections match.\n", Render(view => CorrectionRenderer.Write(view, [], ExportFormat.Table)));
    }

    [Fact]
    public void Corrections_Csv_RawSignedDeltasAndIsoTimes()
    {
        var csv = Render(view => CorrectionRenderer.Write(view, [Declined(), Approved()], ExportFormat.Csv));

        Assert.Equal(
            """
            correction_id,host_id,model,period,from_hour,to_hour,input_tokens,output_tokens,requests,billed_micros,reason_code,reason,state,proposed_at,proposed_by_key_id,proposed_by_role,decided_at,decided_by_key_id,decision_reason
            co_00000000000000a1,aws,llama-3.1-8b,2026-10,2026-10-05T00:00:00Z,2026-10-06T00:00:00Z,-500000,1200,0,-1500000,DUPLICATE_REPORT,gateway retried a batch,DECLINED,2026-11-02T03:04:05Z,k_host,HOST,2026-11-03T00:00:00Z,k_billing,not a duplicate
            co_00000000000000b2,aws,llama-3.1-8b,2026-10,2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,0,0,40,0,MISSING_USAGE,"outage, 40 requests lost",APPROVED,2026-11-02T03:04:05Z,k_billing,BILLING,2026-11-02T03:04:05Z,k_billing,

            """,
            csv);
    }

    [Fact]
    public void Corrections_Json_IsTheProtoMappingUnderCorrections()
    {
        var json = Render(view => CorrectionRenderer.Write(view, [Declined()], ExportFormat.Json));

        using var document = JsonDocument.Parse(json);
        var correction = document.RootElement.GetProperty("corrections").EnumerateArray().Single();
        Assert.Equal("co_00000000000000a1", correction.GetProperty("correction_id").GetString());
        Assert.Equal("CORRECTION_STATE_DECLINED", correction.GetProperty("state").GetString());
        Assert.Equal("-500000", correction.GetProperty("correction").GetProperty("input_tokens").GetString());
        Assert.Equal("CORRECTION_REASON_DUPLICATE_REPORT", correction.GetProperty("correction").GetProperty("reason_code").GetString());
    }

    [Fact]
    public void Dispute_Details_AndTable()
    {
        Assert.Equal(
            """
            Dispute di_00000000000000d1 [REJECTED]
              Statement         st_1 (aws, 2026-10)
              Lines             llama-3.1-8b, llama-3.1-8b@2026-09
              Message           twice what we logged
              Opened            2026-11-05 10:00:00 UTC by k_host
              Rejected          2026-11-06 10:00:00 UTC by k_billing
              Reason            matches the gateway's logs

            """,
            Render(view => DisputeRenderer.WriteDetails(view, Rejected())));

        Assert.Equal(
            """
            Dispute              Opened                   Host  Period   Statement  Lines                               State     Outcome                               Message
            -------------------  -----------------------  ----  -------  ---------  ----------------------------------  --------  ------------------------------------  --------------------
            di_00000000000000d1  2026-11-05 10:00:00 UTC  aws   2026-10  st_1       llama-3.1-8b, llama-3.1-8b@2026-09  REJECTED  rejected: matches the gateway's logs  twice what we logged
            di_00000000000000d2  2026-11-05 10:00:00 UTC  aws   2026-10  st_1       whole statement                     RESOLVED  by co_00000000000000b2                wrong month

            """,
            Render(view => DisputeRenderer.Write(view, [Rejected(), Resolved()], ExportFormat.Table)));
        Assert.Equal("No disputes match.\n", Render(view => DisputeRenderer.Write(view, [], ExportFormat.Table)));
    }

    [Fact]
    public void Disputes_Csv_WritesLinesAsLineOptionsTakeThem()
    {
        Assert.Equal(
            """
            dispute_id,statement_id,host_id,period,lines,message,state,opened_at,opened_by_key_id,resolved_at,resolved_by_key_id,correction_id,resolution
            di_00000000000000d1,st_1,aws,2026-10,llama-3.1-8b;llama-3.1-8b@2026-09,twice what we logged,REJECTED,2026-11-05T10:00:00Z,k_host,2026-11-06T10:00:00Z,k_billing,,matches the gateway's logs
            di_00000000000000d2,st_1,aws,2026-10,,wrong month,RESOLVED,2026-11-05T10:00:00Z,k_host,2026-11-06T10:00:00Z,k_billing,co_00000000000000b2,refunded

            """,
            Render(view => DisputeRenderer.Write(view, [Rejected(), Resolved()], ExportFormat.Csv)));
    }

    [Fact]
    public void StatementLines_WithCorrections_NameThemInACorrectionsColumn()
    {
        var statement = Statements.RateCard();
        statement.Lines[0].CorrectionIds.Add(["co_00000000000000a1", "co_00000000000000b2"]);
        statement.Lines.Single(l => l.Kind == StatementLineKind.Adjustment).CorrectionIds.Add("co_00000000000000c3");

        var text = Render(view => StatementRenderer.Write(view, statement));

        Assert.Matches(@"(?m)^  Model\s+Input tokens\s+Output tokens\s+Requests\s+Priced by\s+Gross revenue\s+Corrections$", text);
        Assert.Matches(@"(?m)^  llama-3\.1-70b\s.*\s1,250,000\.500000\s+co_00000000000000a1, co_00000000000000b2$", text);
        Assert.Matches(@"(?m)^  qwen2\.5-72b\s.*\s-$", text);
        Assert.Contains("Adjustments: late usage and approved corrections of finalized periods", text, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  2026-09\s+llama-3\.1-8b\s.*\s\+12\.000000\s+co_00000000000000c3$", text);
    }

    [Fact]
    public void StatementLines_WithoutCorrections_HaveNoCorrectionsColumn()
    {
        var text = Render(view => StatementRenderer.Write(view, Statements.RateCard()));

        Assert.DoesNotContain("Corrections", text, StringComparison.Ordinal);
    }

    [Fact]
    public void UsageTable_OfTheCorrectionsView_IsSigned()
    {
        UsageRow[] rows =
        [
            new() { HostId = "aws", InputTokens = -500_000, OutputTokens = 1_200, Requests = 0, BilledMicros = -1_500_000 },
            new() { HostId = "gcp", InputTokens = 20, Requests = 3 },
        ];

        var signed = Render(view => UsageWriter.Write(view, rows, [UsageGroupBy.Host], Granularity.Total, ExportFormat.Table, signed: true));
        var csv = Render(view => UsageWriter.Write(view, rows, [UsageGroupBy.Host], Granularity.Total, ExportFormat.Csv, signed: true));

        Assert.Matches(@"(?m)^aws\s+-500,000\s+\+1,200\s+0\s+-1\.500000$", signed);
        Assert.Matches(@"(?m)^gcp\s+\+20\s+0\s+\+3\s+0\.000000$", signed);
        Assert.Matches(@"(?m)^Total\s+-499,980\s+\+1,200\s+\+3$", signed);
        Assert.Contains("\n,aws,,-500000,1200,0,-1500000\n", csv, StringComparison.Ordinal);
        Assert.Equal("(no approved corrections in the range)\n", Render(view => UsageWriter.Write(view, [], [], Granularity.Total, ExportFormat.Table, signed: true)));
    }

    private static Correction Declined() => new()
    {
        CorrectionId = "co_00000000000000a1",
        Correction_ = new CorrectionInput
        {
            HostId = "aws",
            Model = "llama-3.1-8b",
            Period = "2026-10",
            FromHour = Time(2026, 10, 5),
            ToHour = Time(2026, 10, 6),
            InputTokens = -500_000,
            OutputTokens = 1_200,
            BilledMicros = -1_500_000,
            ReasonCode = CorrectionReason.DuplicateReport,
            Reason = "gateway retried a batch",
        },
        State = CorrectionState.Declined,
        ProposedAt = Time(2026, 11, 2, 3, 4, 5),
        ProposedByKeyId = "k_host",
        ProposedByRole = "HOST",
        DecidedAt = Time(2026, 11, 3),
        DecidedByKeyId = "k_billing",
        DecisionReason = "not a duplicate",
    };

    private static Correction Approved() => new()
    {
        CorrectionId = "co_00000000000000b2",
        Correction_ = new CorrectionInput
        {
            HostId = "aws",
            Model = "llama-3.1-8b",
            Period = "2026-10",
            FromHour = Time(2026, 10, 1),
            ToHour = Time(2026, 11, 1),
            Requests = 40,
            ReasonCode = CorrectionReason.MissingUsage,
            Reason = "outage, 40 requests lost",
        },
        State = CorrectionState.Approved,
        ProposedAt = Time(2026, 11, 2, 3, 4, 5),
        ProposedByKeyId = "k_billing",
        ProposedByRole = "BILLING",
        DecidedAt = Time(2026, 11, 2, 3, 4, 5),
        DecidedByKeyId = "k_billing",
    };

    private static Dispute Rejected() => new()
    {
        DisputeId = "di_00000000000000d1",
        StatementId = "st_1",
        HostId = "aws",
        Period = "2026-10",
        Lines = { new StatementLineRef { Model = "llama-3.1-8b" }, new StatementLineRef { Model = "llama-3.1-8b", CorrectsPeriod = "2026-09" } },
        Message = "twice what we logged",
        State = DisputeState.Rejected,
        OpenedAt = Time(2026, 11, 5, 10),
        OpenedByKeyId = "k_host",
        ResolvedAt = Time(2026, 11, 6, 10),
        ResolvedByKeyId = "k_billing",
        Resolution = "matches the gateway's logs",
    };

    private static Dispute Resolved() => new()
    {
        DisputeId = "di_00000000000000d2",
        StatementId = "st_1",
        HostId = "aws",
        Period = "2026-10",
        Message = "wrong month",
        State = DisputeState.Resolved,
        OpenedAt = Time(2026, 11, 5, 10),
        OpenedByKeyId = "k_host",
        ResolvedAt = Time(2026, 11, 6, 10),
        ResolvedByKeyId = "k_billing",
        CorrectionId = "co_00000000000000b2",
        Resolution = "refunded",
    };

    private static Timestamp Time(int year, int month, int day, int hour = 0, int minute = 0, int second = 0)
        => Timestamp.FromDateTime(new DateTime(year, month, day, hour, minute, second, DateTimeKind.Utc));

    private static string Render(Action<ConsoleView> write)
    {
        using var writer = new StringWriter { NewLine = "\n" };
        write(new ConsoleView(writer, isTerminal: false));
        return writer.ToString();
    }
}
