using System.Text.Json;
using Google.Protobuf.WellKnownTypes;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Tests;

/// <summary>CSV and JSON of statements and usage rows.</summary>
public sealed class ExporterTests
{
    [Fact]
    public void StatementCsv_OneRowPerLineAndASummaryRow()
    {
        var csv = Write(w => StatementExporter.Write(w, [Statements.RateCard(), Statements.ReportedMinimum()], ExportFormat.Csv));

        Assert.Equal(
            """
            statement_id,host_id,period,status,currency,revenue_basis,row_kind,model,corrects_period,input_tokens,output_tokens,requests,billed_micros,gross_revenue,unpriced,rate_card_model,share_amount,minimum_payment,minimum_applied,period_amount_owed,amount_owed
            st_0001,aws,2026-10,DRAFT,USD,RATE_CARD,USAGE,llama-3.1-70b,,1000000000000,420000000000,3000000,0,1250000.500000,false,llama-3.1-70b,,,,,
            st_0001,aws,2026-10,DRAFT,USD,RATE_CARD,USAGE,qwen2.5-72b,,5000,700,9,0,,true,,,,,,
            st_0001,aws,2026-10,DRAFT,USD,RATE_CARD,ADJUSTMENT,llama-3.1-8b,2026-09,12000000,-1000,40,0,12.000000,false,*,,,,,
            st_0001,aws,2026-10,DRAFT,USD,RATE_CARD,SUMMARY,,,,,,,1250000.500000,true,,137500.075000,500,false,137500.08,137501.28
            st_0002,groq,2026-10,FINAL,EUR,REPORTED,SUMMARY,,,,,,,0.000000,false,,0.000000,25,true,25.00,25.00

            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            csv);
    }

    [Fact]
    public void Csv_QuotesCellsWithCommasQuotesAndNewlines()
    {
        Assert.Equal("plain", Csv.Escape("plain"));
        Assert.Equal("\"a,b\"", Csv.Escape("a,b"));
        Assert.Equal("\"say \"\"hi\"\"\"", Csv.Escape("say \"hi\""));
        Assert.Equal("\"two\nlines\"", Csv.Escape("two\nlines"));
    }

    [Fact]
    public void StatementJson_IsProtoJsonWithProtoFieldNames()
    {
        var json = Write(w => StatementExporter.Write(w, [Statements.RateCard()], ExportFormat.Json));

        using var document = JsonDocument.Parse(json);
        var statement = document.RootElement.GetProperty("statements")[0];
        Assert.Equal("st_0001", statement.GetProperty("statement_id").GetString());
        Assert.Equal("STATEMENT_STATUS_DRAFT", statement.GetProperty("status").GetString());
        Assert.Equal("REVENUE_BASIS_RATE_CARD", statement.GetProperty("revenue_basis").GetString());
        Assert.Equal("137501.28", statement.GetProperty("amount_owed").GetString());
        Assert.Equal("2026-11-02T03:04:05Z", statement.GetProperty("computed_at").GetString());
        var line = statement.GetProperty("lines")[0];
        Assert.Equal("1000000000000", line.GetProperty("input_tokens").GetString());
        Assert.False(line.GetProperty("unpriced").GetBoolean());
        Assert.Equal("STATEMENT_LINE_KIND_ADJUSTMENT", statement.GetProperty("lines")[2].GetProperty("kind").GetString());
        Assert.Equal("15", statement.GetProperty("tier_applications")[1].GetProperty("share_percent").GetString());

        var parsed = Google.Protobuf.JsonParser.Default.Parse<Statement>(statement.GetRawText());
        Assert.Equal(Statements.RateCard(), parsed);
    }

    [Fact]
    public void UsageCsv_HasEveryColumnAndIsoBuckets()
    {
        var csv = Write(w => UsageWriter.Write(w, Rows(), [UsageGroupBy.Host], Granularity.Hour, ExportFormat.Csv));

        Assert.Equal(
            "bucket_start,host_id,model,input_tokens,output_tokens,requests,billed_micros\n" +
            "2026-11-27T08:00:00Z,aws,,1200,300,4,1500000\n" +
            "2026-11-27T09:00:00Z,\"az,ure\",,10,0,1,0\n",
            csv);
    }

    [Fact]
    public void UsageJson_HasRowsInProtoJson()
    {
        var json = Write(w => UsageWriter.Write(w, Rows(), [UsageGroupBy.Host], Granularity.Hour, ExportFormat.Json));

        using var document = JsonDocument.Parse(json);
        var rows = document.RootElement.GetProperty("rows");
        Assert.Equal(2, rows.GetArrayLength());
        Assert.Equal("aws", rows[0].GetProperty("host_id").GetString());
        Assert.Equal("2026-11-27T08:00:00Z", rows[0].GetProperty("bucket_start").GetString());
        Assert.Equal("1500000", rows[0].GetProperty("billed_micros").GetString());
    }

    [Fact]
    public void UsageTable_ShowsGroupedColumnsAndTotals()
    {
        var table = Write(w => UsageWriter.Write(w, Rows(), [UsageGroupBy.Host], Granularity.Hour, ExportFormat.Table));

        Assert.Equal(
            """
            Hour (UTC)        Host    Input tokens  Output tokens  Requests    Billed
            ----------------  ------  ------------  -------------  --------  --------
            2026-11-27 08:00  aws            1,200            300         4  1.500000
            2026-11-27 09:00  az,ure            10              0         1  0.000000
            ----------------  ------  ------------  -------------  --------  --------
            Total                            1,210            300         5

            """.Replace("\r\n", "\n", StringComparison.Ordinal),
            table);
    }

    [Fact]
    public void Numbers_GroupDecimalStringsWithoutChangingDigits()
    {
        Assert.Equal("1,234,567.500000", Numbers.Decimal("1234567.500000"));
        Assert.Equal("-1,000", Numbers.Decimal("-1000"));
        Assert.Equal("999.99", Numbers.Decimal("999.99"));
        Assert.Equal("+12.50", Numbers.SignedDecimal("12.50"));
        Assert.Equal("0.00", Numbers.SignedDecimal("0.00"));
        Assert.Equal("-3.10", Numbers.SignedDecimal("-3.10"));
        Assert.Equal("1.500000", Numbers.Micros(1_500_000));
        Assert.Equal("12.3M", Numbers.Compact(12_345_678));
    }

    private static List<UsageRow> Rows() =>
    [
        new() { HostId = "aws", BucketStart = Timestamp.FromDateTime(new DateTime(2026, 11, 27, 8, 0, 0, DateTimeKind.Utc)), InputTokens = 1200, OutputTokens = 300, Requests = 4, BilledMicros = 1_500_000 },
        new() { HostId = "az,ure", BucketStart = Timestamp.FromDateTime(new DateTime(2026, 11, 27, 9, 0, 0, DateTimeKind.Utc)), InputTokens = 10, Requests = 1 },
    ];

    [Fact]
    public void UsageTable_InATerminal_IsASpectreTableWithBoxBorders()
    {
        var plain = Write(w => UsageWriter.Write(w, Rows(), [UsageGroupBy.Host], Granularity.Hour, ExportFormat.Table));
        var terminal = System.Text.RegularExpressions.Regex.Replace(
            Write(w => UsageWriter.Write(w, Rows()[..1], [UsageGroupBy.Host], Granularity.Total, ExportFormat.Table), terminal: true),
            "\u001b\\[[0-9;]*m",
            string.Empty);

        Assert.Contains("╭", terminal, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^│ Host │ Input tokens │ Output tokens │ Requests │   Billed │$", terminal);
        Assert.Matches(@"(?m)^│ aws  │        1,200 │           300 │        4 │ 1.500000 │$", terminal);
        Assert.DoesNotContain("\u001b[", plain, StringComparison.Ordinal);
        Assert.DoesNotContain(plain, c => c is >= '\u2500' and <= '\u257f');
    }

    [Fact]
    public void CsvAndJson_AreTheSameInATerminal()
    {
        foreach (var format in new[] { ExportFormat.Csv, ExportFormat.Json })
        {
            Assert.Equal(
                Write(w => StatementExporter.Write(w, [Statements.RateCard()], format)),
                Write(w => StatementExporter.Write(w, [Statements.RateCard()], format), terminal: true));
        }
    }

    private static string Write(Action<ConsoleView> write, bool terminal = false)
    {
        using var writer = new StringWriter { NewLine = "\n" };
        write(new ConsoleView(writer, terminal));
        return writer.ToString();
    }
}
