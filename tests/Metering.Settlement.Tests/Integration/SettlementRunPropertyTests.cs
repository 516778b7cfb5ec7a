using System.Globalization;
using Metering.Contracts.V1;
using Metering.Settlement.Tests.Infrastructure;

namespace Metering.Settlement.Tests.Integration;

/// <summary>
/// Properties of stored statements over random agreements and usage written to usage_hourly: usage lines carry
/// exactly the summed usage, lines sum to gross, owed is bounded by the top share (or the minimum), more usage never
/// owes less, and a re-run with nothing new is identical.
/// </summary>
public sealed class SettlementRunPropertyTests : SettlementTestBase
{
    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    public async Task RandomHosts_StatementsHoldTheProperties(int seed)
    {
        var random = new Random(seed);
        var expected = new Dictionary<(string Host, string Model), (long In, long Out, long Requests, long Billed)>();
        var topShare = new Dictionary<string, (decimal Percent, decimal Minimum)>();
        for (var h = 0; h < 6; h++)
        {
            var host = string.Create(CultureInfo.InvariantCulture, $"prop-{seed}-{h}");
            await Service.CreateHostAsync(host);
            var tiers = new[] { ("0", random.Next(1, 30).ToString(CultureInfo.InvariantCulture)), ("500", random.Next(1, 30).ToString(CultureInfo.InvariantCulture)), ("5000.5", random.Next(1, 30).ToString(CultureInfo.InvariantCulture)) };
            var minimum = random.Next(2) == 0 ? string.Empty : random.Next(0, 300).ToString(CultureInfo.InvariantCulture);
            var agreement = h % 2 == 0
                ? Agreements.Reported(host, "2025-01", "USD", minimum, tiers)
                : Agreements.RateCard(host, "2025-01", "EUR", minimum, [("model-0", "0.75", "2.5", "0.1"), ("*", "0.2", "0.8", "0")], tiers);
            await Client.UpsertAsync(agreement);
            topShare[host] = (tiers.Max(t => decimal.Parse(t.Item2, CultureInfo.InvariantCulture)), minimum.Length == 0 ? 0m : decimal.Parse(minimum, CultureInfo.InvariantCulture));
            await AddRandomUsageAsync(random, host, expected, rows: 12);
        }

        var first = (await Client.RunAsync("2025-02")).Statements;

        Assert.Equal(6, first.Count);
        foreach (var statement in first)
        {
            foreach (var line in statement.Lines)
            {
                Assert.Equal(expected[(statement.HostId, line.Model)], (line.InputTokens, line.OutputTokens, line.Requests, line.BilledMicros));
            }

            Assert.Equal(expected.Keys.Count(k => k.Host == statement.HostId), statement.Lines.Count);
            Assert.Equal(Parse(statement.GrossRevenue), statement.Lines.Where(l => !l.Unpriced).Sum(l => Parse(l.GrossRevenue)));
            var (percent, minimum) = topShare[statement.HostId];
            Assert.True(Parse(statement.AmountOwed) <= Math.Max((Parse(statement.GrossRevenue) * percent / 100m) + 0.000002m, minimum) + 0.005m);
        }

        var second = (await Client.RunAsync("2025-02")).Statements;
        Assert.Equal(first, second);

        foreach (var statement in first)
        {
            await AddRandomUsageAsync(random, statement.HostId, expected, rows: 3);
        }

        var third = (await Client.RunAsync("2025-02")).Statements;
        Assert.All(first.Zip(third), pair => Assert.True(Parse(pair.Second.AmountOwed) >= Parse(pair.First.AmountOwed)));
        Assert.All(first.Zip(third), pair => Assert.True(Parse(pair.Second.GrossRevenue) >= Parse(pair.First.GrossRevenue)));
    }

    private async Task AddRandomUsageAsync(Random random, string host, Dictionary<(string, string), (long, long, long, long)> expected, int rows)
    {
        for (var r = 0; r < rows; r++)
        {
            var model = "model-" + random.Next(0, 4).ToString(CultureInfo.InvariantCulture);
            var hour = new DateTime(2025, 2, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(random.Next(0, 28 * 24));
            var (input, output, requests, billed) = (random.NextInt64(0, 50_000_000), random.NextInt64(0, 10_000_000), random.NextInt64(1, 5_000), random.NextInt64(0, 2_000_000_000));
            await Service.AddUsageAsync(host, model, hour, input, output, requests, billed);
            var sum = expected.GetValueOrDefault((host, model));
            expected[(host, model)] = (sum.Item1 + input, sum.Item2 + output, sum.Item3 + requests, sum.Item4 + billed);
        }
    }

    private static decimal Parse(string amount) => decimal.Parse(amount, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
}
