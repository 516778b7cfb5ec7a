using Metering.Contracts.V1;

namespace Metering.Cli.Rendering;

/// <summary>
/// Renders a statement for a person: header, a line per model with its usage and gross revenue, the share tiers that
/// applied, the minimum payment, adjustments for late usage of finalized periods, and the total owed. Amounts are the
/// server's decimal strings with thousands separators added, never re-computed or re-rounded.
/// </summary>
internal static class StatementRenderer
{
    private const int LabelWidth = 18;

    public static void Write(TextWriter writer, Statement statement)
    {
        writer.WriteLine($"Statement {statement.StatementId} [{Labels.Status(statement.Status)}]");
        Field(writer, "Host", statement.HostId);
        Field(writer, "Period", statement.Period + " (calendar month, UTC)");
        Field(writer, "Agreement", $"{statement.AgreementId} ({Labels.Basis(statement.RevenueBasis)}, {statement.Currency})");
        Field(writer, "Computed", Labels.Time(statement.ComputedAt));
        if (statement.FinalizedAt is not null)
        {
            Field(writer, "Finalized", Labels.Time(statement.FinalizedAt));
        }

        writer.WriteLine();
        WriteUsage(writer, statement);
        writer.WriteLine();
        WriteTiers(writer, statement);
        writer.WriteLine();
        WriteMinimum(writer, statement);
        Field(writer, "Owed for " + statement.Period, Money(statement, statement.PeriodAmountOwed));

        if (statement.Lines.Any(l => l.Kind == StatementLineKind.Adjustment) || statement.Adjustments.Count > 0)
        {
            writer.WriteLine();
            WriteAdjustments(writer, statement);
        }

        writer.WriteLine();
        Field(writer, "TOTAL OWED", Money(statement, statement.AmountOwed));
        if (statement.HasUnpricedLines)
        {
            writer.WriteLine();
            writer.WriteLine("Note: UNPRICED models have no entry in the agreement's rate card; their usage adds nothing to gross");
            writer.WriteLine("revenue. Add a rate ('metering agreements set ... --rate \"model=in,out,req\"') and settle again.");
        }
    }

    private static void WriteUsage(TextWriter writer, Statement statement)
    {
        writer.WriteLine($"Usage in {statement.Period}");
        var lines = statement.Lines.Where(l => l.Kind != StatementLineKind.Adjustment).ToList();
        if (lines.Count == 0)
        {
            writer.WriteLine($"  (no usage in this period; gross revenue {Numbers.Decimal(statement.GrossRevenue)})");
            return;
        }

        var table = new TextTable(
            ("Model", Align.Left),
            ("Input tokens", Align.Right),
            ("Output tokens", Align.Right),
            ("Requests", Align.Right),
            ("Priced by", Align.Left),
            ("Gross revenue", Align.Right));
        long input = 0, output = 0, requests = 0;
        foreach (var line in lines)
        {
            table.AddRow(line.Model, Numbers.Count(line.InputTokens), Numbers.Count(line.OutputTokens), Numbers.Count(line.Requests), PricedBy(statement, line), Gross(line));
            input += line.InputTokens;
            output += line.OutputTokens;
            requests += line.Requests;
        }

        table.AddRule();
        table.AddRow("Total", Numbers.Count(input), Numbers.Count(output), Numbers.Count(requests), string.Empty, Numbers.Decimal(statement.GrossRevenue));
        table.WriteTo(writer, "  ");
    }

    private static void WriteTiers(TextWriter writer, Statement statement)
    {
        writer.WriteLine("Revenue share (marginal tiers on gross revenue)");
        if (statement.TierApplications.Count == 0)
        {
            writer.WriteLine($"  (no revenue in any tier; share amount {Numbers.Decimal(statement.ShareAmount)})");
            return;
        }

        var table = new TextTable(
            ("Band", Align.Left),
            ("Share", Align.Right),
            ("Revenue in band", Align.Right),
            ("Share amount", Align.Right));
        foreach (var tier in statement.TierApplications)
        {
            var band = tier.ToAmount.Length == 0
                ? $"{Numbers.Decimal(tier.FromAmount)} and above"
                : $"{Numbers.Decimal(tier.FromAmount)} to {Numbers.Decimal(tier.ToAmount)}";
            table.AddRow(band, Labels.Percent(tier.SharePercent), Numbers.Decimal(tier.BaseAmount), Numbers.Decimal(tier.ShareAmount));
        }

        table.AddRule();
        table.AddRow("Share amount", string.Empty, Numbers.Decimal(statement.GrossRevenue), Numbers.Decimal(statement.ShareAmount));
        table.WriteTo(writer, "  ");
    }

    private static void WriteMinimum(TextWriter writer, Statement statement)
    {
        if (statement.MinimumPayment.Length == 0)
        {
            Field(writer, "Minimum payment", "none");
            return;
        }

        var minimum = Numbers.Decimal(statement.MinimumPayment) + " per period";
        Field(
            writer,
            "Minimum payment",
            statement.MinimumApplied
                ? $"{minimum}: APPLIED (the share amount {Numbers.Decimal(statement.ShareAmount)} is below it)"
                : $"{minimum}: not applied (the share amount is higher)");
    }

    private static void WriteAdjustments(TextWriter writer, Statement statement)
    {
        writer.WriteLine("Adjustments: late usage of finalized periods (recomputed now, minus what was settled)");
        var lines = statement.Lines.Where(l => l.Kind == StatementLineKind.Adjustment).ToList();
        if (lines.Count > 0)
        {
            var table = new TextTable(
                ("Period", Align.Left),
                ("Model", Align.Left),
                ("Input tokens", Align.Right),
                ("Output tokens", Align.Right),
                ("Requests", Align.Right),
                ("Priced by", Align.Left),
                ("Gross revenue", Align.Right));
            foreach (var line in lines)
            {
                table.AddRow(
                    line.CorrectsPeriod,
                    line.Model,
                    Numbers.SignedCount(line.InputTokens),
                    Numbers.SignedCount(line.OutputTokens),
                    Numbers.SignedCount(line.Requests),
                    PricedBy(statement, line),
                    line.Unpriced ? "-" : Numbers.SignedDecimal(line.GrossRevenue));
            }

            table.WriteTo(writer, "  ");
        }

        if (statement.Adjustments.Count > 0)
        {
            if (lines.Count > 0)
            {
                writer.WriteLine();
            }

            var table = new TextTable(
                ("Period", Align.Left),
                ("Final statement", Align.Left),
                ("Gross revenue", Align.Right),
                ("Share amount", Align.Right),
                ("Owed", Align.Right));
            foreach (var adjustment in statement.Adjustments)
            {
                table.AddRow(
                    adjustment.CorrectsPeriod,
                    adjustment.CorrectedStatementId,
                    Numbers.SignedDecimal(adjustment.GrossRevenue),
                    Numbers.SignedDecimal(adjustment.ShareAmount),
                    Numbers.SignedDecimal(adjustment.AmountOwed));
            }

            table.WriteTo(writer, "  ");
        }
    }

    private static string PricedBy(Statement statement, StatementLine line)
    {
        if (line.Unpriced)
        {
            return "UNPRICED";
        }

        if (statement.RevenueBasis == RevenueBasis.Reported)
        {
            return "as billed";
        }

        return line.RateCardModel.Length == 0 ? string.Empty : "rate " + line.RateCardModel;
    }

    private static string Gross(StatementLine line) => line.Unpriced || line.GrossRevenue.Length == 0 ? "-" : Numbers.Decimal(line.GrossRevenue);

    private static string Money(Statement statement, string amount) => $"{statement.Currency} {Numbers.Decimal(amount)}";

    private static void Field(TextWriter writer, string label, string value) => writer.WriteLine((label.PadRight(LabelWidth) + value).TrimEnd());
}
