using Spectre.Console;
using Metering.Contracts.V1;

namespace Metering.Cli.Rendering;

/// <summary>Agreements for people (one in full, or many as a table) and as CSV.</summary>
internal static class AgreementRenderer
{
    public static void WriteDetails(ConsoleView view, Agreement agreement)
    {
        view.WriteLine($"Agreement {agreement.AgreementId}: host {agreement.HostId}, effective from {agreement.EffectiveMonth}");
        view.WriteLine($"  Currency   {agreement.Currency}");
        view.WriteLine($"  Basis      {Labels.Basis(agreement.RevenueBasis)}");
        if (agreement.RateCard.Count > 0)
        {
            view.WriteLine("  Rate card");
            var table = Tables.Create(("Model", Justify.Left), ("Per 1M input", Justify.Right), ("Per 1M output", Justify.Right), ("Per 1K requests", Justify.Right));
            foreach (var rate in agreement.RateCard)
            {
                table.AddTextRow(rate.Model, Numbers.Decimal(rate.PricePerMillionInputTokens), Numbers.Decimal(rate.PricePerMillionOutputTokens), Numbers.Decimal(rate.PricePerThousandRequests));
            }

            view.Write(table, "    ");
        }

        view.WriteLine($"  Share      {Tiers(agreement)}");
        view.WriteLine($"  Minimum    {(agreement.MinimumPayment.Length == 0 ? "none" : Numbers.Decimal(agreement.MinimumPayment) + " per period")}");
    }

    public static void WriteTable(ConsoleView view, IReadOnlyList<Agreement> agreements)
    {
        var table = Tables.Create(
            ("Host", Justify.Left),
            ("Effective", Justify.Left),
            ("Currency", Justify.Left),
            ("Basis", Justify.Left),
            ("Rate card", Justify.Left),
            ("Share", Justify.Left),
            ("Minimum", Justify.Right),
            ("Agreement", Justify.Left));
        foreach (var agreement in agreements)
        {
            table.AddTextRow(
                agreement.HostId,
                agreement.EffectiveMonth,
                agreement.Currency,
                Labels.Basis(agreement.RevenueBasis),
                agreement.RateCard.Count == 0 ? "-" : string.Join(", ", agreement.RateCard.Select(r => r.Model)),
                Tiers(agreement),
                agreement.MinimumPayment.Length == 0 ? "-" : Numbers.Decimal(agreement.MinimumPayment),
                agreement.AgreementId);
        }

        view.Write(table);
    }

    /// <summary>The CSV header of <see cref="WriteCsv"/>.</summary>
    public static readonly IReadOnlyList<string> CsvHeader =
        ["agreement_id", "host_id", "effective_month", "currency", "revenue_basis", "rate_card", "share_tiers", "minimum_payment", "created_at"];

    /// <summary>
    /// One row per agreement; the rate card as <c>model=in,out,req</c> entries and the tiers as <c>from=percent</c>
    /// entries, separated by <c>;</c> (the forms <c>metering agreements set</c> takes), amounts as the exact decimal strings.
    /// </summary>
    public static void WriteCsv(TextWriter writer, IEnumerable<Agreement> agreements)
    {
        Csv.WriteRow(writer, CsvHeader);
        foreach (var a in agreements)
        {
            Csv.WriteRow(writer, [
                a.AgreementId,
                a.HostId,
                a.EffectiveMonth,
                a.Currency,
                a.RevenueBasis switch { RevenueBasis.RateCard => "RATE_CARD", RevenueBasis.Reported => "REPORTED", _ => "UNSPECIFIED" },
                string.Join(';', a.RateCard.Select(r => $"{r.Model}={r.PricePerMillionInputTokens},{r.PricePerMillionOutputTokens},{r.PricePerThousandRequests}")),
                string.Join(';', a.ShareTiers.Select(t => $"{t.FromAmount}={t.SharePercent}")),
                a.MinimumPayment,
                Labels.IsoTime(a.CreatedAt),
            ]);
        }
    }

    /// <summary><c>10% from 0, 15% from 1,000,000</c>.</summary>
    public static string Tiers(Agreement agreement)
        => string.Join(", ", agreement.ShareTiers.Select(t => $"{Labels.Percent(t.SharePercent)} from {Numbers.Decimal(t.FromAmount)}"));
}
