using Spectre.Console;
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

    public static void Write(ConsoleView view, Statement statement)
    {
        view.WriteLine($"Statement {statement.StatementId} [{Labels.Status(statement.Status)}]");
        Field(view, "Host", statement.HostId);
        Field(view, "Period", statement.Period + " (calendar month, UTC)");
        Field(view, "Agreement", $"{statement.AgreementId} ({Labels.Basis(statement.RevenueBasis)}, {statement.Currency})");
        Field(view, "Computed", Labels.Time(statement.ComputedAt));
        if (statement.FinalizedAt is not null)
        {
            Field(view, "Finalized", Labels.Time(statement.FinalizedAt));
        }

        view.WriteLine();
        WriteUsage(view, statement);
        view.WriteLine();
        WriteTiers(view, statement);
        view.WriteLine();
        WriteMinimum(view, statement);
        Field(view, "Owed for " + statement.Period, Money(statement, statement.PeriodAmountOwed));

        if (statement.Lines.Any(l => l.Kind == StatementLineKind.Adjustment) || statement.Adjustments.Count > 0)
        {
            view.WriteLine();
            WriteAdjustments(view, statement);
        }

        view.WriteLine();
        Field(view, "TOTAL OWED", Money(statement, statement.AmountOwed));
        if (statement.HasUnpricedLines)
        {
            view.WriteLine();
            view.WriteLine("Note: UNPRICED models have no entry in the agreement's rate card; their usage adds nothing to gross");
            view.WriteLine("revenue. Add a rate ('metering agreements set ... --rate \"model=in,out,req\"') and settle again.");
        }
    }

    private static void WriteUsage(ConsoleView view, Statement statement)
    {
        view.WriteLine($"Usage in {statement.Period}");
        var lines = statement.Lines.Where(l => l.Kind != StatementLineKind.Adjustment).ToList();
        if (lines.Count == 0)
        {
            view.WriteLine($"  (no usage in this period; gross revenue {Numbers.Decimal(statement.GrossRevenue)})");
            return;
        }

        var corrected = lines.Any(l => l.CorrectionIds.Count > 0);
        var table = Tables.Create([
            ("Model", Justify.Left),
            ("Input tokens", Justify.Right),
            ("Output tokens", Justify.Right),
            ("Requests", Justify.Right),
            ("Priced by", Justify.Left),
            ("Gross revenue", Justify.Right),
            .. CorrectionsColumn(corrected),
        ]);
        long input = 0, output = 0, requests = 0;
        foreach (var line in lines)
        {
            table.AddTextRow([
                line.Model,
                Numbers.Count(line.InputTokens),
                Numbers.Count(line.OutputTokens),
                Numbers.Count(line.Requests),
                PricedBy(statement, line),
                Gross(line),
                .. Corrections(corrected, line),
            ]);
            input += line.InputTokens;
            output += line.OutputTokens;
            requests += line.Requests;
        }

        table.SetTotals("Total", Numbers.Count(input), Numbers.Count(output), Numbers.Count(requests), string.Empty, Numbers.Decimal(statement.GrossRevenue));
        view.Write(table, "  ");
    }

    private static void WriteTiers(ConsoleView view, Statement statement)
    {
        view.WriteLine("Revenue share (marginal tiers on gross revenue)");
        if (statement.TierApplications.Count == 0)
        {
            view.WriteLine($"  (no revenue in any tier; share amount {Numbers.Decimal(statement.ShareAmount)})");
            return;
        }

        var table = Tables.Create(
            ("Band", Justify.Left),
            ("Share", Justify.Right),
            ("Revenue in band", Justify.Right),
            ("Share amount", Justify.Right));
        foreach (var tier in statement.TierApplications)
        {
            var band = tier.ToAmount.Length == 0
                ? $"{Numbers.Decimal(tier.FromAmount)} and above"
                : $"{Numbers.Decimal(tier.FromAmount)} to {Numbers.Decimal(tier.ToAmount)}";
            table.AddTextRow(band, Labels.Percent(tier.SharePercent), Numbers.Decimal(tier.BaseAmount), Numbers.Decimal(tier.ShareAmount));
        }

        table.SetTotals("Share amount", string.Empty, Numbers.Decimal(statement.GrossRevenue), Numbers.Decimal(statement.ShareAmount));
        view.Write(table, "  ");
    }

    private static void WriteMinimum(ConsoleView view, Statement statement)
    {
        if (statement.MinimumPayment.Length == 0)
        {
            Field(view, "Minimum payment", "none");
            return;
        }

        var minimum = Numbers.Decimal(statement.MinimumPayment) + " per period";
        Field(
            view,
            "Minimum payment",
            statement.MinimumApplied
                ? $"{minimum}: APPLIED (the share amount {Numbers.Decimal(statement.ShareAmount)} is below it)"
                : $"{minimum}: not applied (the share amount is higher)");
    }

    private static void WriteAdjustments(ConsoleView view, Statement statement)
    {
        var lines = statement.Lines.Where(l => l.Kind == StatementLineKind.Adjustment).ToList();
        var corrected = lines.Any(l => l.CorrectionIds.Count > 0);
        view.WriteLine(corrected
            ? "Adjustments: late usage and approved corrections of finalized periods (recomputed now, minus what was settled)"
            : "Adjustments: late usage of finalized periods (recomputed now, minus what was settled)");
        if (lines.Count > 0)
        {
            var table = Tables.Create([
                ("Period", Justify.Left),
                ("Model", Justify.Left),
                ("Input tokens", Justify.Right),
                ("Output tokens", Justify.Right),
                ("Requests", Justify.Right),
                ("Priced by", Justify.Left),
                ("Gross revenue", Justify.Right),
                .. CorrectionsColumn(corrected),
            ]);
            foreach (var line in lines)
            {
                table.AddTextRow([
                    line.CorrectsPeriod,
                    line.Model,
                    Numbers.SignedCount(line.InputTokens),
                    Numbers.SignedCount(line.OutputTokens),
                    Numbers.SignedCount(line.Requests),
                    PricedBy(statement, line),
                    line.Unpriced ? "-" : Numbers.SignedDecimal(line.GrossRevenue),
                    .. Corrections(corrected, line),
                ]);
            }

            view.Write(table, "  ");
        }

        if (statement.Adjustments.Count > 0)
        {
            if (lines.Count > 0)
            {
                view.WriteLine();
            }

            var table = Tables.Create(
                ("Period", Justify.Left),
                ("Final statement", Justify.Left),
                ("Gross revenue", Justify.Right),
                ("Share amount", Justify.Right),
                ("Owed", Justify.Right));
            foreach (var adjustment in statement.Adjustments)
            {
                table.AddTextRow(
                    adjustment.CorrectsPeriod,
                    adjustment.CorrectedStatementId,
                    Numbers.SignedDecimal(adjustment.GrossRevenue),
                    Numbers.SignedDecimal(adjustment.ShareAmount),
                    Numbers.SignedDecimal(adjustment.AmountOwed));
            }

            view.Write(table, "  ");
        }
    }

    /// <summary>The Corrections column, only when a line of the table includes approved corrections.</summary>
    private static (string, Justify)[] CorrectionsColumn(bool corrected) => corrected ? [("Corrections", Justify.Left)] : [];

    /// <summary>The ids of the approved corrections a line includes, comma-separated.</summary>
    private static string[] Corrections(bool corrected, StatementLine line) => corrected ? [string.Join(", ", line.CorrectionIds)] : [];

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

    private static void Field(ConsoleView view, string label, string value) => view.WriteLine((label.PadRight(LabelWidth) + value).TrimEnd());
}
