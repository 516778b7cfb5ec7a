using Metering.Domain.Settlement;

namespace Metering.Settlement.Tests.Domain;

/// <summary>Properties of the statement arithmetic over many random agreements and usages (fixed seeds, so failures reproduce).</summary>
public sealed class SettlementPropertyTests
{
    private const int Cases = 500;

    public static TheoryData<int> Seeds => new() { 1, 2, 3, 4 };

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Lines_SumToGross(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < Cases; i++)
        {
            var (terms, usage) = RandomCase(random);
            var result = StatementCalculator.ComputePeriod(terms, usage);

            Assert.Equal(result.GrossRevenue, result.Lines.Where(l => !l.Unpriced).Sum(l => l.GrossRevenue!.Value));
            Assert.Equal(result.GrossRevenue, result.TierApplications.Sum(t => t.BaseAmount));
            Assert.Equal(result.ShareAmount, result.TierApplications.Sum(t => t.ShareAmount));
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Owed_IsAtMostGrossTimesTopShareOrMinimum(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < Cases; i++)
        {
            var (terms, usage) = RandomCase(random);
            var result = StatementCalculator.ComputePeriod(terms, usage);
            var halfMinorUnit = 0.5m / Pow10(terms.Currency.MinorUnits);

            // Each band's share is rounded to 6 decimals, hence the tiny allowance per tier.
            var bound = Math.Max((result.GrossRevenue * terms.TopSharePercent / 100m) + (terms.Tiers.Count * 0.0000005m), terms.MinimumPayment ?? 0m);
            Assert.True(result.PeriodAmountOwed <= bound + halfMinorUnit, $"owed {result.PeriodAmountOwed} > bound {bound} (case {i})");
            Assert.True(result.PeriodAmountOwed >= (terms.MinimumPayment ?? 0m) - halfMinorUnit);
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Owed_IsMonotoneInUsage(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < Cases; i++)
        {
            var (terms, usage) = RandomCase(random);
            var more = usage.Select(u => u with
            {
                Usage = u.Usage + new UsageTotals(random.NextInt64(0, 1_000_000_000), random.NextInt64(0, 1_000_000_000), random.NextInt64(0, 100_000), random.NextInt64(0, 10_000_000_000)),
            }).Append(Terms.Usage("extra-" + i, random.NextInt64(0, 1_000_000), 0, 1, random.NextInt64(0, 1_000_000))).ToList();

            var before = StatementCalculator.ComputePeriod(terms, usage);
            var after = StatementCalculator.ComputePeriod(terms, more);

            Assert.True(after.GrossRevenue >= before.GrossRevenue);
            Assert.True(after.ShareAmount >= before.ShareAmount);
            Assert.True(after.PeriodAmountOwed >= before.PeriodAmountOwed, $"owed fell from {before.PeriodAmountOwed} to {after.PeriodAmountOwed} (case {i})");
        }
    }

    [Theory]
    [MemberData(nameof(Seeds))]
    public void Computation_IsDeterministicAndOrderIndependent(int seed)
    {
        var random = new Random(seed);
        for (var i = 0; i < Cases / 5; i++)
        {
            var (terms, usage) = RandomCase(random);
            var first = StatementCalculator.ComputePeriod(terms, usage);
            var second = StatementCalculator.ComputePeriod(terms, usage.AsEnumerable().Reverse());

            Assert.Equal(first.Lines, second.Lines);
            Assert.Equal((first.GrossRevenue, first.ShareAmount, first.PeriodAmountOwed), (second.GrossRevenue, second.ShareAmount, second.PeriodAmountOwed));
        }
    }

    private static (AgreementTerms Terms, List<ModelUsage> Usage) RandomCase(Random random)
    {
        string[] currencies = ["USD", "JPY", "KWD", "EUR"];
        var currency = currencies[random.Next(currencies.Length)];
        var tierCount = random.Next(1, 5);
        var tiers = new List<(decimal, decimal)> { (0m, Percent(random)) };
        var from = 0m;
        for (var t = 1; t < tierCount; t++)
        {
            from += random.Next(1, 100_000) + (random.Next(0, 100) / 100m);
            tiers.Add((from, Percent(random)));
        }

        decimal? minimum = random.Next(3) == 0 ? random.Next(0, 50_000) + (random.Next(0, 1000) / 1000m) : null;
        var models = Enumerable.Range(0, random.Next(0, 8)).Select(m => "model-" + m).ToList();
        var usage = models.Select(m => Terms.Usage(m, random.NextInt64(0, 10_000_000_000), random.NextInt64(0, 5_000_000_000), random.NextInt64(0, 10_000_000), random.NextInt64(0, 100_000_000_000))).ToList();
        if (random.Next(2) == 0)
        {
            return (Terms.Reported(currency, minimum, [.. tiers]), usage);
        }

        var rates = models.Where(_ => random.Next(3) > 0)
            .Select(m => new RateCardEntry(m, Price(random), Price(random), Price(random)))
            .Append(new RateCardEntry("*", Price(random), Price(random), Price(random)))
            .Where(r => r.Model != "*" || random.Next(2) == 0)
            .ToArray();
        if (rates.Length == 0)
        {
            rates = [new RateCardEntry("*", Price(random), Price(random), Price(random))];
        }

        return (Terms.RateCard(currency, minimum, rates, [.. tiers]), usage);
    }

    private static decimal Percent(Random random) => random.Next(0, 10_001) / 100m;

    private static decimal Price(Random random) => random.Next(0, 100_000) / 1000m;

    private static decimal Pow10(int digits)
    {
        var value = 1m;
        for (var i = 0; i < digits; i++)
        {
            value *= 10m;
        }

        return value;
    }
}
