using Metering.Contracts.V1;

namespace Metering.Cli.Rendering;

/// <summary>Agreements for people: one in full, or many as a table.</summary>
internal static class AgreementRenderer
{
    public static void WriteDetails(TextWriter writer, Agreement agreement)
    {
        writer.WriteLine($"Agreement {agreement.AgreementId}: host {agreement.HostId}, effective from {agreement.EffectiveMonth}");
        writer.WriteLine($"  Currency   {agreement.Currency}");
        writer.WriteLine($"  Basis      {Labels.Basis(agreement.RevenueBasis)}");
        if (agreement.RateCard.Count > 0)
        {
            writer.WriteLine("  Rate card");
            var table = new TextTable(("Model", Align.Left), ("Per 1M input", Align.Right), ("Per 1M output", Align.Right), ("Per 1K requests", Align.Right));
            foreach (var rate in agreement.RateCard)
            {
                table.AddRow(rate.Model, Numbers.Decimal(rate.PricePerMillionInputTokens), Numbers.Decimal(rate.PricePerMillionOutputTokens), Numbers.Decimal(rate.PricePerThousandRequests));
            }

            table.WriteTo(writer, "    ");
        }

        writer.WriteLine($"  Share      {Tiers(agreement)}");
        writer.WriteLine($"  Minimum    {(agreement.MinimumPayment.Length == 0 ? "none" : Numbers.Decimal(agreement.MinimumPayment) + " per period")}");
    }

    public static void WriteTable(TextWriter writer, IReadOnlyList<Agreement> agreements)
    {
        var table = new TextTable(
            ("Host", Align.Left),
            ("Effective", Align.Left),
            ("Currency", Align.Left),
            ("Basis", Align.Left),
            ("Rate card", Align.Left),
            ("Share", Align.Left),
            ("Minimum", Align.Right),
            ("Agreement", Align.Left));
        foreach (var agreement in agreements)
        {
            table.AddRow(
                agreement.HostId,
                agreement.EffectiveMonth,
                agreement.Currency,
                Labels.Basis(agreement.RevenueBasis),
                agreement.RateCard.Count == 0 ? "-" : string.Join(", ", agreement.RateCard.Select(r => r.Model)),
                Tiers(agreement),
                agreement.MinimumPayment.Length == 0 ? "-" : Numbers.Decimal(agreement.MinimumPayment),
                agreement.AgreementId);
        }

        table.WriteTo(writer);
    }

    /// <summary><c>10% from 0, 15% from 1,000,000</c>.</summary>
    public static string Tiers(Agreement agreement)
        => string.Join(", ", agreement.ShareTiers.Select(t => $"{Labels.Percent(t.SharePercent)} from {Numbers.Decimal(t.FromAmount)}"));
}
