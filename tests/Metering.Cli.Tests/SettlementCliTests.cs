using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Metering.Cli.Rendering;
using Metering.Cli.Tests.Infrastructure;
using Metering.Testing;

namespace Metering.Cli.Tests;

/// <summary>
/// The CLI run in-process against the real settlement service (real PostgreSQL): an agreement, a settlement, and the
/// statements in every format, with the export's progress on a terminal's stderr kept out of its CSV.
/// </summary>
public sealed class SettlementCliTests : IAsyncLifetime
{
    private static readonly DateTime Now = new(2026, 11, 15, 12, 0, 0, DateTimeKind.Utc);

    private SettlementServiceHost _service = null!;

    public async Task InitializeAsync() => _service = await SettlementServiceHost.StartAsync(Now);

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        await TestInfrastructure.DropDatabaseAsync(_service.Postgres);
    }

    [Fact]
    public async Task AgreementSettlementAndStatements_InEveryFormat()
    {
        await _service.CreateHostAsync("aws");
        await _service.AddUsageAsync("aws", "llama-3.1-8b", new DateTime(2026, 10, 10, 13, 0, 0, DateTimeKind.Utc), input: 2_000_000, output: 1_000_000, requests: 10);
        var admin = Environment();

        var set = await MeteringCli.RunAsync(admin, "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "usd", "--basis", "rate-card", "--rate", "*=1,2,0", "--tier", "0=10");
        Assert.True(set.ExitCode == ExitCodes.Ok, set.ToString());
        Assert.StartsWith("Created:\nAgreement ", set.Out.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);

        var agreements = await MeteringCli.RunAsync(admin, "agreements", "list", "--format", "csv");
        Assert.True(agreements.ExitCode == ExitCodes.Ok, agreements.ToString());
        Assert.StartsWith(string.Join(',', AgreementRenderer.CsvHeader) + "\n", agreements.Out, StringComparison.Ordinal);
        Assert.Matches("(?m)^agr_[^,]+,aws,2026-10,USD,RATE_CARD,\"\\*=1,2,0\",0=10,,\\d{4}-", agreements.Out);

        var settle = await MeteringCli.RunAsync(admin, "settle", "--period", "2026-10", "--format", "json");
        Assert.True(settle.ExitCode == ExitCodes.Ok, settle.ToString());
        using (var document = JsonDocument.Parse(settle.Out))
        {
            var statement = document.RootElement.GetProperty("statements").EnumerateArray().Single();
            Assert.Equal("aws", statement.GetProperty("host_id").GetString());
            Assert.Equal("STATEMENT_STATUS_DRAFT", statement.GetProperty("status").GetString());
        }

        var list = await MeteringCli.RunAsync(admin, "statements", "list", "--period", "2026-10", "--format", "csv");
        Assert.True(list.ExitCode == ExitCodes.Ok, list.ToString());
        var rows = list.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(2, rows.Length);
        Assert.Matches("^st_[^,]+,aws,2026-10,DRAFT,USD,", rows[1]);

        var table = await MeteringCli.RunAsync(admin, "statements", "list", "--period", "2026-10");
        Assert.Matches(@"(?m)^  st_\S+\s+aws\s+2026-10\s+DRAFT\s", table.Out);

        var export = await MeteringCli.RunAsync(admin, "statements", "export", "--period", "2026-10", "--format", "csv");
        var exportInTerminal = await MeteringCli.RunInTerminalAsync(admin, "statements", "export", "--period", "2026-10", "--format", "csv");
        Assert.True(export.ExitCode == ExitCodes.Ok, export.ToString());
        Assert.StartsWith(string.Join(',', StatementExporter.CsvHeader) + "\n", export.Out, StringComparison.Ordinal);
        Assert.Contains(",aws,2026-10,DRAFT,USD,RATE_CARD,SUMMARY,", export.Out, StringComparison.Ordinal);
        Assert.Empty(export.Error);
        Assert.True(exportInTerminal.ExitCode == ExitCodes.Ok, exportInTerminal.ToString());
        Assert.Equal(export.Out, exportInTerminal.Out);

        var showJson = await MeteringCli.RunAsync(admin, "statements", "show", "--host", "aws", "--period", "2026-10", "--format", "json");
        Assert.True(showJson.ExitCode == ExitCodes.Ok, showJson.ToString());
        using (var document = JsonDocument.Parse(showJson.Out))
        {
            Assert.Equal("2026-10", document.RootElement.GetProperty("statements")[0].GetProperty("period").GetString());
        }

        var show = await MeteringCli.RunAsync(admin, "statements", "show", "--host", "aws", "--period", "2026-10");
        Assert.True(show.ExitCode == ExitCodes.Ok, show.ToString());
        Assert.Matches(@"(?m)^  llama-3\.1-8b\s+2,000,000\s+1,000,000\s+10\s+rate \*\s+\S+$", show.Out);
        Assert.Contains("TOTAL OWED        USD ", show.Out, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Environment() => new()
    {
        ["METERING_ADDRESS"] = "http://127.0.0.1:" + ClosedPort().ToString(CultureInfo.InvariantCulture),
        ["METERING_SETTLEMENT_ADDRESS"] = _service.Address.ToString().TrimEnd('/'),
        ["METERING_API_KEY"] = SettlementServiceHost.AdminKey,
    };

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }
}
