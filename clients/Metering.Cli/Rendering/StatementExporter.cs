using Metering.Contracts.V1;

namespace Metering.Cli.Rendering;

/// <summary>
/// Statements as CSV or JSON for spreadsheets and accounting systems, or as <see cref="StatementRenderer"/> shows them.
/// <para>
/// CSV: one row per statement line (<c>row_kind</c> USAGE or ADJUSTMENT) and one SUMMARY row per statement that carries
/// its totals; every row repeats the statement's identity. JSON: <c>{"statements": [...]}</c> in the proto3 JSON mapping.
/// </para>
/// </summary>
internal static class StatementExporter
{
    public static readonly IReadOnlyList<string> CsvHeader =
    [
        "statement_id", "host_id", "period", "status", "currency", "revenue_basis", "row_kind", "model", "corrects_period",
        "input_tokens", "output_tokens", "requests", "billed_micros", "gross_revenue", "unpriced", "rate_card_model",
        "share_amount", "minimum_payment", "minimum_applied", "period_amount_owed", "amount_owed",
    ];

    public static void Write(ConsoleView view, IReadOnlyList<Statement> statements, ExportFormat format)
    {
        switch (format)
        {
            case ExportFormat.Json:
                ProtoJson.WriteArray(view.Writer, "statements", statements);
                break;
            case ExportFormat.Csv:
                WriteCsv(view.Writer, statements);
                break;
            default:
                foreach (var statement in statements)
                {
                    StatementRenderer.Write(view, statement);
                    view.WriteLine();
                }

                break;
        }
    }

    public static void WriteCsv(TextWriter writer, IEnumerable<Statement> statements)
    {
        Csv.WriteRow(writer, CsvHeader);
        foreach (var s in statements)
        {
            string[] identity = [s.StatementId, s.HostId, s.Period, Labels.Status(s.Status), s.Currency, BasisCode(s.RevenueBasis)];
            foreach (var line in s.Lines)
            {
                Csv.WriteRow(writer, [
                    .. identity,
                    line.Kind == StatementLineKind.Adjustment ? "ADJUSTMENT" : "USAGE",
                    line.Model,
                    line.CorrectsPeriod,
                    Invariant(line.InputTokens),
                    Invariant(line.OutputTokens),
                    Invariant(line.Requests),
                    Invariant(line.BilledMicros),
                    line.GrossRevenue,
                    line.Unpriced ? "true" : "false",
                    line.RateCardModel,
                    string.Empty, string.Empty, string.Empty, string.Empty, string.Empty,
                ]);
            }

            Csv.WriteRow(writer, [
                .. identity,
                "SUMMARY",
                string.Empty, string.Empty, string.Empty, string.Empty, string.Empty, string.Empty,
                s.GrossRevenue,
                s.HasUnpricedLines ? "true" : "false",
                string.Empty,
                s.ShareAmount,
                s.MinimumPayment,
                s.MinimumApplied ? "true" : "false",
                s.PeriodAmountOwed,
                s.AmountOwed,
            ]);
        }
    }

    private static string BasisCode(RevenueBasis basis) => basis switch
    {
        RevenueBasis.RateCard => "RATE_CARD",
        RevenueBasis.Reported => "REPORTED",
        _ => "UNSPECIFIED",
    };

    private static string Invariant(long value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
