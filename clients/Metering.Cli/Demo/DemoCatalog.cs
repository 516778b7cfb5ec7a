using Metering.Contracts.V1;

namespace Metering.Cli.Demo;

/// <summary>
/// The demo's hosts, models and agreements. Tier bounds and minimums are scaled to what a run of tens of seconds
/// produces, so every rule shows: marginal tiers crossed (aws, groq), a minimum payment charged (azure), the "*" rate
/// (azure), reported revenue (groq) and an unpriced model (databricks has no rate for qwen2.5-72b).
/// </summary>
internal static class DemoCatalog
{
    public static IReadOnlyList<DemoModel> Models { get; } =
    [
        new("llama-3.1-70b", 0.30, 1200, 350, 0.88m, 0.88m),
        new("llama-3.1-8b", 0.40, 600, 200, 0.18m, 0.18m),
        new("mixtral-8x7b", 0.15, 900, 300, 0.60m, 0.60m),
        new("qwen2.5-72b", 0.15, 1500, 400, 0.90m, 0.90m),
    ];

    public static IReadOnlyList<DemoHost> Hosts { get; } =
    [
        new("aws", "Amazon Web Services", 8000, 1.10m, () => RateCard("USD", minimum: null, Rates(), Tier("0", "10"), Tier("100", "15"), Tier("200", "20"))),
        new("azure", "Microsoft Azure", 5000, 1.20m, () => RateCard(
            "USD",
            minimum: "50",
            [Rate("llama-3.1-70b", "0.88", "0.88", "0"), Rate("llama-3.1-8b", "0.18", "0.18", "0"), Rate("*", "0.70", "0.70", "0.05")],
            Tier("0", "12"))),
        new("groq", "Groq", 6500, 1.00m, () => Reported("USD", Tier("0", "8"), Tier("100", "12"))),
        new("databricks", "Databricks", 2500, 1.15m, () => RateCard(
            "EUR",
            minimum: "5",
            [Rate("llama-3.1-70b", "0.80", "0.80", "0"), Rate("llama-3.1-8b", "0.16", "0.16", "0"), Rate("mixtral-8x7b", "0.55", "0.55", "0")],
            Tier("0", "10"))),
    ];

    private static RateCardEntry[] Rates()
        => Models.Select(m => Rate(m.Name, Text(m.ListPricePerMillionInput), Text(m.ListPricePerMillionOutput), "0")).ToArray();

    private static Agreement RateCard(string currency, string? minimum, RateCardEntry[] rates, params ShareTier[] tiers)
    {
        var agreement = new Agreement { Currency = currency, RevenueBasis = RevenueBasis.RateCard, MinimumPayment = minimum ?? string.Empty };
        agreement.RateCard.AddRange(rates);
        agreement.ShareTiers.AddRange(tiers);
        return agreement;
    }

    private static Agreement Reported(string currency, params ShareTier[] tiers)
    {
        var agreement = new Agreement { Currency = currency, RevenueBasis = RevenueBasis.Reported };
        agreement.ShareTiers.AddRange(tiers);
        return agreement;
    }

    private static RateCardEntry Rate(string model, string input, string output, string requests)
        => new() { Model = model, PricePerMillionInputTokens = input, PricePerMillionOutputTokens = output, PricePerThousandRequests = requests };

    private static ShareTier Tier(string from, string percent) => new() { FromAmount = from, SharePercent = percent };

    private static string Text(decimal value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
