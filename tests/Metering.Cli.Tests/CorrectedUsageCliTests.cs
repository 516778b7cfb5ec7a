using System.Text.Json;
using Metering.Cli.Tests.Infrastructure;
using Metering.Testing;

namespace Metering.Cli.Tests;

/// <summary>
/// <c>metering usage --view</c> in-process against the real metering service, over the database of a real settlement
/// service that stores the corrections: counted usage, the approved corrections, and both, each correction counted only
/// in buckets that hold its whole hour range.
/// </summary>
public sealed class CorrectedUsageCliTests : IAsyncLifetime
{
    private const string Model = "llama-3.1-8b";

    private SettlementServiceHost _settlement = null!;
    private MeteringServiceHost _metering = null!;

    public async Task InitializeAsync()
    {
        _settlement = await SettlementServiceHost.StartAsync(new DateTime(2026, 11, 15, 12, 0, 0, DateTimeKind.Utc));
        _metering = await MeteringServiceHost.StartAsync(postgres: _settlement.Postgres);
    }

    public async Task DisposeAsync()
    {
        await _metering.DisposeAsync();
        await _settlement.DisposeAsync();
    }

    [Fact]
    public async Task UsageView_RawCorrectedAndCorrections()
    {
        await _settlement.CreateHostAsync("aws");
        await _settlement.AddUsageAsync("aws", Model, new DateTime(2026, 10, 10, 13, 0, 0, DateTimeKind.Utc), input: 2_000_000, output: 1_000_000, requests: 10);
        var admin = Environment();
        var month = await MeteringCli.RunAsync(admin, "corrections", "propose", "--host", "aws", "--model", Model, "--period", "2026-10",
            "--input-tokens", "-500000", "--reason-code", "duplicate-report", "--reason", "retried batch");
        Assert.True(month.ExitCode == ExitCodes.Ok, month.ToString());
        Assert.StartsWith("Recorded:\nCorrection co_", month.Out.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        var hour = await MeteringCli.RunAsync(admin, "corrections", "propose", "--host", "aws", "--model", Model, "--period", "2026-10",
            "--from-hour", "2026-10-10T13Z", "--to-hour", "2026-10-10T14Z", "--requests", "-3", "--reason-code", "refund", "--reason", "three refunded");
        Assert.True(hour.ExitCode == ExitCodes.Ok, hour.ToString());

        string[] query = ["usage", "--from", "2026-10", "--to", "2026-11", "--by", "host,model", "--format", "csv"];
        Assert.Equal(",aws,llama-3.1-8b,2000000,1000000,10,0", Row(await MeteringCli.RunAsync(admin, [.. query, "--view", "raw"])));
        Assert.Equal(",aws,llama-3.1-8b,1500000,1000000,7,0", Row(await MeteringCli.RunAsync(admin, [.. query, "--view", "corrected"])));
        Assert.Equal(",aws,llama-3.1-8b,1500000,1000000,7,0", Row(await MeteringCli.RunAsync(admin, query)));
        Assert.Equal(",aws,llama-3.1-8b,-500000,0,-3,0", Row(await MeteringCli.RunAsync(admin, [.. query, "--view", "corrections"])));

        var table = await MeteringCli.RunAsync(admin, "usage", "--from", "2026-10", "--to", "2026-11", "--by", "host", "--view", "corrections");
        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        Assert.Matches(@"(?m)^aws\s+-500,000\s+0\s+-3\s+0\.000000$", table.Out);

        // By day only the one-hour correction lies inside a bucket; the month's does not.
        var days = await MeteringCli.RunAsync(admin, "usage", "--from", "2026-10", "--to", "2026-11", "--granularity", "day", "--view", "corrections", "--format", "json");
        Assert.True(days.ExitCode == ExitCodes.Ok, days.ToString());
        using (var document = JsonDocument.Parse(days.Out))
        {
            var row = document.RootElement.GetProperty("rows").EnumerateArray().Single();
            Assert.Equal("2026-10-10T00:00:00Z", row.GetProperty("bucket_start").GetString());
            Assert.Equal("0", row.GetProperty("input_tokens").GetString());
            Assert.Equal("-3", row.GetProperty("requests").GetString());
        }

        // A window that cuts the month's range leaves that correction out.
        var window = await MeteringCli.RunAsync(admin, "usage", "--from", "2026-10-10", "--to", "2026-10-11", "--view", "corrections");
        Assert.True(window.ExitCode == ExitCodes.Ok, window.ToString());
        Assert.Matches(@"(?m)^\s*0\s+0\s+-3\s+0\.000000$", window.Out);
        var none = await MeteringCli.RunAsync(admin, "usage", "--from", "2026-10-11", "--to", "2026-10-12", "--view", "corrections");
        Assert.Equal("(no approved corrections in the range)", none.Out.Trim());
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["METERING_ADDRESS"] = _metering.Address.ToString().TrimEnd('/'),
        ["METERING_SETTLEMENT_ADDRESS"] = _settlement.Address.ToString().TrimEnd('/'),
        ["METERING_API_KEY"] = SettlementServiceHost.AdminKey,
    };

    private static string Row(CliRun run)
    {
        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var rows = run.Out.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal(2, rows.Count);
        return rows[1];
    }
}
