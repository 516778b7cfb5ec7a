using System.Diagnostics;
using System.Text.Json;
using System.Text.RegularExpressions;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Service.Flush;
using Metering.Testing;
using Metering.Tests.Infrastructure;
using Metering.Tests.Ingest;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit;

namespace Metering.Tests.Telemetry;

/// <summary>
/// The operations kit against real scrapes: both services get traffic that makes every series appear (accepted,
/// duplicate and rejected batches, a sequence gap, authentication failures and a denial, a flush and a failed
/// flush, a settlement run with an unpriced model and a failed one, a finalization); then <c>promtool check metrics</c>
/// accepts both scrapes, <c>promtool check rules</c> and <c>promtool test rules</c> accept the alert rules, and every
/// metric the rules and the Grafana dashboard use is in a scrape.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed partial class OpsKitTests
{
    private static readonly string Ops = Path.Combine(ServiceBuild.RepositoryRoot(), "ops");

    [Fact]
    public async Task RulesAndDashboard_UseOnlyScrapedMetrics_AndPromtoolAcceptsScrapesAndRules()
    {
        var (metering, settlement) = await ScrapesAfterTrafficAsync();

        await PromtoolAsync(["check", "metrics"], metering.Text);
        await PromtoolAsync(["check", "metrics"], settlement.Text);
        await PromtoolAsync(["check", "rules", Path.Combine(Ops, "prometheus", "metering-alerts.yml")]);
        await PromtoolAsync(["test", "rules", Path.Combine(Ops, "prometheus", "metering-alerts.test.yml")]);

        // A histogram is also known by its own name (annotations and descriptions name it so).
        var scraped = metering.Samples.Concat(settlement.Samples).Select(s => s.Name).ToHashSet(StringComparer.Ordinal);
        scraped.UnionWith(scraped.Where(n => n.EndsWith("_bucket", StringComparison.Ordinal)).Select(n => n[..^"_bucket".Length]).ToList());
        var labels = metering.Samples.Concat(settlement.Samples).SelectMany(s => s.Labels.Keys).ToHashSet(StringComparer.Ordinal);
        var rules = await File.ReadAllTextAsync(Path.Combine(Ops, "prometheus", "metering-alerts.yml"));
        var dashboard = DashboardExpressions(await File.ReadAllTextAsync(Path.Combine(Ops, "grafana", "metering-dashboard.json")));
        Assert.NotEmpty(dashboard);
        foreach (var (source, text) in new[] { ("dashboard", string.Join("\n", dashboard)), ("rules", rules) })
        {
            var names = MetricName().Matches(text).Select(m => m.Value).Where(n => !labels.Contains(n)).ToHashSet(StringComparer.Ordinal);
            Assert.True(names.Count >= 10, $"The {source} uses only {names.Count} metrics.");
            var unknown = names.Where(n => !scraped.Contains(n)).Order(StringComparer.Ordinal).ToList();
            Assert.True(unknown.Count == 0, $"The {source} uses metrics no scrape has: {string.Join(", ", unknown)}.");
        }
    }

    /// <summary>Runs promtool (Debian's prometheus package; `make test` installs it) and fails with its output unless it exits 0.</summary>
    private static async Task PromtoolAsync(string[] arguments, string? input = null)
    {
        var start = new ProcessStartInfo("promtool") { UseShellExecute = false, RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception ex)
        {
            throw new InvalidOperationException("promtool is not installed: run scripts/install-deps.sh (Debian's prometheus package).", ex);
        }

        using (process)
        {
            var output = process.StandardOutput.ReadToEndAsync();
            var error = process.StandardError.ReadToEndAsync();
            if (input is not null)
            {
                await process.StandardInput.WriteAsync(input);
            }

            process.StandardInput.Close();
            await process.WaitForExitAsync();
            Assert.True(process.ExitCode == 0, $"promtool {string.Join(' ', arguments)} exited {process.ExitCode}: {await output}{await error}");
        }
    }

    private static async Task<(MetricsScrape Metering, MetricsScrape Settlement)> ScrapesAfterTrafficAsync()
    {
        await using var metering = await MeteringServiceHost.StartAsync(settings: new Dictionary<string, string?> { ["Flush:Enabled"] = "false" });
        using var channel = metering.CreateChannel();
        var key = await Rpc.CreateHostWithKeyAsync(channel, "ops-host");
        var ingest = channel.Ingest();
        var at = DateTime.UtcNow.AddMinutes(-1);
        await IngestCalls.StreamAsync(channel, key, [IngestCalls.Batch("gw", 1, Rpc.Record("m", 1, at: at)), IngestCalls.Batch("gw", 2, Rpc.Record("bad model!", 1, at: at)), IngestCalls.Batch("gw", 4, Rpc.Record("m", 1, at: at))]);
        await IngestCalls.StreamAsync(channel, key, [IngestCalls.Batch("gw", 1, Rpc.Record("m", 1, at: at))]);
        var unary = new ReportUsageRequest { IdempotencyKey = "ops-1", Records = { Rpc.Record("m", 2, at: at) } };
        await ingest.ReportUsageAsync(unary, Rpc.As(key));
        await ingest.ReportUsageAsync(unary, Rpc.As(key));
        await Assert.ThrowsAsync<RpcException>(() => ingest.ReportUsageAsync(unary).ResponseAsync);
        await Assert.ThrowsAsync<RpcException>(() => ingest.ReportUsageAsync(unary, Rpc.As("unknown-key-0123456789abcdef")).ResponseAsync);
        await Assert.ThrowsAsync<RpcException>(() => channel.Admin().ListHostsAsync(new ListHostsRequest(), Rpc.As(key)).ResponseAsync);
        await Rpc.TotalsByModelAsync(channel, key);

        var flusher = metering.Services.GetRequiredService<UsageFlusher>();
        await ExecuteAsync(metering.Postgres, "ALTER TABLE usage_hourly RENAME TO usage_hourly_away");
        try
        {
            await Assert.ThrowsAsync<PostgresException>(() => flusher.FlushOnceAsync(CancellationToken.None));
        }
        finally
        {
            await ExecuteAsync(metering.Postgres, "ALTER TABLE usage_hourly_away RENAME TO usage_hourly");
        }

        await flusher.FlushOnceAsync(CancellationToken.None);

        var now = DateTime.UtcNow;
        var lastMonth = new DateTime(now.Year, now.Month, 1, 0, 0, 0, DateTimeKind.Utc).AddMonths(-1);
        await using var settlement = await SettlementServiceHost.StartAsync(now, postgres: metering.Postgres);
        using var settlementChannel = settlement.CreateChannel();
        var client = new SettlementService.SettlementServiceClient(settlementChannel);
        var admin = Calls.As(SettlementServiceHost.AdminKey);
        var period = lastMonth.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
        var agreement = new Agreement { HostId = "ops-host", EffectiveMonth = period, Currency = "USD", RevenueBasis = RevenueBasis.RateCard };
        agreement.RateCard.Add(new RateCardEntry { Model = "priced", PricePerMillionInputTokens = "1", PricePerMillionOutputTokens = "1", PricePerThousandRequests = "0" });
        agreement.ShareTiers.Add(new ShareTier { FromAmount = "0", SharePercent = "10" });
        await client.UpsertAgreementAsync(new UpsertAgreementRequest { Agreement = agreement }, admin);
        await settlement.CreateHostAsync("ops-host-2");
        var second = agreement.Clone();
        second.HostId = "ops-host-2";
        await client.UpsertAgreementAsync(new UpsertAgreementRequest { Agreement = second }, admin);
        await settlement.AddUsageAsync("ops-host", "priced", lastMonth.AddDays(2), input: 1_000_000, requests: 1);
        await settlement.AddUsageAsync("ops-host", "unpriced", lastMonth.AddDays(3), input: 5, requests: 1);
        var run = await client.RunSettlementAsync(new RunSettlementRequest { Period = period, HostIds = { "ops-host" } }, admin);
        await client.FinalizeStatementAsync(new FinalizeStatementRequest { StatementId = run.Statements.Single().StatementId, AllowUnpriced = true }, admin);
        await Assert.ThrowsAsync<RpcException>(() => client.ListStatementsAsync(new ListStatementsRequest(), Calls.As("unknown-key-0123456789abcdef")).ResponseAsync);
        await ExecuteAsync(metering.Postgres, "ALTER TABLE usage_hourly RENAME TO usage_hourly_away");
        try
        {
            var failed = await Assert.ThrowsAsync<RpcException>(() => client.RunSettlementAsync(new RunSettlementRequest { Period = period, HostIds = { "ops-host-2" } }, admin).ResponseAsync);
            Assert.NotEqual(StatusCode.InvalidArgument, failed.StatusCode);
        }
        finally
        {
            await ExecuteAsync(metering.Postgres, "ALTER TABLE usage_hourly_away RENAME TO usage_hourly");
        }

        var settlementScrape = await MetricsScrape.ReadAsync(settlement.HttpAddress);
        Assert.Equal(1, settlementScrape.Sum("metering_settlement_runs_total", "metering_outcome=failed"));
        return (await MetricsScrape.ReadAsync(metering.HttpAddress), settlementScrape);
    }

    /// <summary>Every "expr" of the dashboard's panels and template variables, with Grafana's variables given values.</summary>
    private static List<string> DashboardExpressions(string json)
    {
        var expressions = new List<string>();
        Collect(JsonDocument.Parse(json).RootElement);
        return expressions;

        void Collect(JsonElement element)
        {
            switch (element.ValueKind)
            {
                case JsonValueKind.Object:
                    foreach (var property in element.EnumerateObject())
                    {
                        if (property.Name is "expr" or "query" && property.Value.ValueKind == JsonValueKind.String)
                        {
                            expressions.Add(property.Value.GetString()!);
                        }
                        else if (property.Name == "query" && property.Value.ValueKind == JsonValueKind.Object && property.Value.TryGetProperty("query", out var query) && query.ValueKind == JsonValueKind.String)
                        {
                            expressions.Add(query.GetString()!);
                        }
                        else
                        {
                            Collect(property.Value);
                        }
                    }

                    break;
                case JsonValueKind.Array:
                    foreach (var item in element.EnumerateArray())
                    {
                        Collect(item);
                    }

                    break;
            }
        }
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Names of the services' metrics (and of the label names, which the check skips).</summary>
    [GeneratedRegex(@"\b(?:metering|rpc|http_server|kestrel|aspnetcore)_[a-z0-9_]+\b|\btarget_info\b")]
    private static partial Regex MetricName();
}
