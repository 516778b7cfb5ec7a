using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;
using Metering.Cli.Tests.Infrastructure;
using Metering.Client;
using Metering.Testing;

namespace Metering.Cli.Tests;

/// <summary>
/// The CLI run in-process against the real metering service (real Redis and PostgreSQL): hosts, keys, usage, and how
/// server errors are printed.
/// </summary>
public sealed partial class CliEndToEndTests : IAsyncLifetime
{
    private MeteringServiceHost _service = null!;

    public async Task InitializeAsync() => _service = await MeteringServiceHost.StartAsync();

    public async Task DisposeAsync()
    {
        await _service.DisposeAsync();
        await TestInfrastructure.DropDatabaseAsync(_service.Postgres);
    }

    [Fact]
    public async Task HostsKeysAndUsage_RoundTripThroughTheService()
    {
        var admin = Environment(MeteringServiceHost.AdminKey);

        var created = await MeteringCli.RunAsync(admin, "hosts", "create", "acme-cloud", "--name", "Acme Cloud");
        Assert.True(created.ExitCode == ExitCodes.Ok, created.ToString());
        Assert.StartsWith("Created host acme-cloud (Acme Cloud) at ", created.Out, StringComparison.Ordinal);

        var list = await MeteringCli.RunAsync(admin, "hosts", "list");
        Assert.True(list.ExitCode == ExitCodes.Ok, list.ToString());
        Assert.Matches(@"(?m)^acme-cloud\s+Acme Cloud\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC$", list.Out);

        var key = await MeteringCli.RunAsync(admin, "keys", "create", "--role", "host", "--host", "acme-cloud", "--description", "e2e gateway");
        Assert.True(key.ExitCode == ExitCodes.Ok, key.ToString());
        var keyId = CreatedKey().Match(key.Out).Groups[1].Value;
        var secret = Secret().Match(key.Out).Groups[1].Value;
        Assert.NotEmpty(keyId);
        Assert.NotEmpty(secret);
        Assert.Contains("WARNING: the secret is shown this once.", key.Out, StringComparison.Ordinal);

        var now = DateTimeOffset.UtcNow;
        await using (var reporter = new UsageReporter(new UsageReporterOptions { Address = _service.Address, ApiKey = secret }))
        {
            reporter.Record("llama-3.1-8b", 1000, 200, 2, billedMicros: 1_500_000, eventTime: now);
            reporter.Record("llama-3.1-8b", 500, 100, 1, eventTime: now);
            reporter.Record("mixtral-8x7b", 70, 30, 1, billedMicros: 250, eventTime: now);
            await reporter.FlushAsync();
            Assert.Equal(3, reporter.GetStats().RecordsAccepted);
        }

        var from = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        string[] usageArgs =
        [
            "usage", "--from", from.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture),
            "--to", from.AddHours(2).ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture),
            "--by", "host,model", "--format", "csv",
        ];
        const string expectedCsv =
            "bucket_start,host_id,model,input_tokens,output_tokens,requests,billed_micros\n" +
            ",acme-cloud,llama-3.1-8b,1500,300,3,1500000\n" +
            ",acme-cloud,mixtral-8x7b,70,30,1,250\n";
        var usage = await MeteringCli.RunAsync(admin, usageArgs);
        Assert.True(usage.ExitCode == ExitCodes.Ok, usage.ToString());
        Assert.Equal(expectedCsv, usage.Out);

        var ownUsage = await MeteringCli.RunAsync(Environment(secret), usageArgs);
        Assert.True(ownUsage.ExitCode == ExitCodes.Ok, ownUsage.ToString());
        Assert.Equal(expectedCsv, ownUsage.Out);

        var table = await MeteringCli.RunAsync(admin, [.. usageArgs[..^2], "--model", "mixtral-8x7b"]);
        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        Assert.Matches(@"(?m)^acme-cloud\s+mixtral-8x7b\s+70\s+30\s+1\s+0\.000250$", table.Out);

        var revoked = await MeteringCli.RunAsync(admin, "keys", "revoke", keyId);
        Assert.True(revoked.ExitCode == ExitCodes.Ok, revoked.ToString());
        Assert.StartsWith($"Revoked key {keyId} at ", revoked.Out, StringComparison.Ordinal);

        // Revocations reach every server within seconds (polled); then the key is refused.
        CliRun afterRevoke;
        var deadline = DateTime.UtcNow.AddSeconds(15);
        do
        {
            await Task.Delay(250);
            afterRevoke = await MeteringCli.RunAsync(Environment(secret), usageArgs);
        }
        while (afterRevoke.ExitCode == ExitCodes.Ok && DateTime.UtcNow < deadline);

        Assert.Equal(ExitCodes.Failed, afterRevoke.ExitCode);
        Assert.StartsWith("error: UNAUTHENTICATED (16): ", afterRevoke.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HostsList_FormatsCsvJsonAndPlainTable()
    {
        var admin = Environment(MeteringServiceHost.AdminKey);
        Assert.Equal(ExitCodes.Ok, (await MeteringCli.RunAsync(admin, "hosts", "create", "csv-host", "--name", "Csv, \"quoted\" Host")).ExitCode);

        var csv = await MeteringCli.RunAsync(admin, "hosts", "list", "--format", "csv");
        var json = await MeteringCli.RunAsync(admin, "hosts", "list", "--format=json");
        var plain = await MeteringCli.RunAsync(admin, "hosts", "list");
        var terminal = await MeteringCli.RunInTerminalAsync(admin, "hosts", "list");

        Assert.True(csv.ExitCode == ExitCodes.Ok, csv.ToString());
        Assert.Matches("^host_id,display_name,created_at\n(.*\n)*csv-host,\"Csv, \"\"quoted\"\" Host\",\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}Z\n", csv.Out);
        Assert.True(json.ExitCode == ExitCodes.Ok, json.ToString());
        using (var document = System.Text.Json.JsonDocument.Parse(json.Out))
        {
            var host = document.RootElement.GetProperty("hosts").EnumerateArray().Single(h => h.GetProperty("host_id").GetString() == "csv-host");
            Assert.Equal("Csv, \"quoted\" Host", host.GetProperty("display_name").GetString());
        }

        Assert.True(plain.ExitCode == ExitCodes.Ok, plain.ToString());
        Assert.Matches(@"(?m)^Host\s+Name\s+Created$", plain.Out);
        Assert.Matches(@"(?m)^-+  -+  -+$", plain.Out);
        Assert.DoesNotContain("\u001b[", plain.Out, StringComparison.Ordinal);
        Assert.DoesNotContain(plain.Out, c => c is >= '\u2500' and <= '\u257f');
        Assert.True(terminal.ExitCode == ExitCodes.Ok, terminal.ToString());
        Assert.Contains("╭", terminal.Out, StringComparison.Ordinal);
        Assert.Contains("csv-host", terminal.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageErrorAndServerError_HaveTheirExitCodes()
    {
        var admin = Environment(MeteringServiceHost.AdminKey);

        var usage = await MeteringCli.RunAsync(admin, "hosts", "create", "exit-code-host");
        var server = await MeteringCli.RunAsync(admin, "keys", "revoke", "k_doesnotexist");
        var unreachable = await MeteringCli.RunAsync(admin, "statements", "list");

        Assert.Equal(ExitCodes.Usage, usage.ExitCode);
        Assert.Contains("metering hosts create: Option '--name' is required.", usage.Error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Failed, server.ExitCode);
        Assert.Matches(@"^error: (NOT_FOUND|INVALID_ARGUMENT) \(\d+\): ", server.Error);
        Assert.Equal(ExitCodes.Failed, unreachable.ExitCode);
        Assert.StartsWith("error: UNAVAILABLE (14): ", unreachable.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UsageInATerminal_KeepsStandardOutputForTheRows()
    {
        var admin = Environment(MeteringServiceHost.AdminKey);
        var now = DateTimeOffset.UtcNow;
        var from = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, 0, 0, TimeSpan.Zero);
        string[] args =
        [
            "usage", "--from", from.ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture),
            "--to", from.AddHours(1).ToString("yyyy-MM-dd'T'HH:mm'Z'", CultureInfo.InvariantCulture), "--host", "nobody", "--format", "csv",
        ];

        var redirected = await MeteringCli.RunAsync(admin, args);
        var terminal = await MeteringCli.RunInTerminalAsync(admin, args);

        Assert.True(redirected.ExitCode == ExitCodes.Ok, redirected.ToString());
        Assert.Equal("bucket_start,host_id,model,input_tokens,output_tokens,requests,billed_micros\n", redirected.Out);
        Assert.Empty(redirected.Error);
        Assert.True(terminal.ExitCode == ExitCodes.Ok, terminal.ToString());
        Assert.Equal(redirected.Out, terminal.Out);
    }

    [Fact]
    public async Task InvalidHostId_PrintsCodeMessageAndFieldViolations()
    {
        var run = await MeteringCli.RunAsync(Environment(MeteringServiceHost.AdminKey), "hosts", "create", "Bad_Host", "--name", "Bad");

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.StartsWith("error: INVALID_ARGUMENT (3): ", run.Error, StringComparison.Ordinal);
        Assert.Contains("  field violations:\n    host_id: ", run.Error.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task DuplicateHost_PrintsAlreadyExists()
    {
        var admin = Environment(MeteringServiceHost.AdminKey);
        Assert.Equal(ExitCodes.Ok, (await MeteringCli.RunAsync(admin, "hosts", "create", "twice", "--name", "Twice")).ExitCode);

        var run = await MeteringCli.RunAsync(admin, "hosts", "create", "twice", "--name", "Twice");

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.StartsWith("error: ALREADY_EXISTS (6): ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SecretOnly_PrintsJustTheSecretOnStandardOutput()
    {
        var run = await MeteringCli.RunAsync(Environment(MeteringServiceHost.AdminKey), "keys", "create", "--role", "billing", "--description", "finance", "--secret-only");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Single(run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("Created BILLING key ", run.Error, StringComparison.Ordinal);
        Assert.Contains("shown this once", run.Error, StringComparison.Ordinal);

        var billing = await MeteringCli.RunAsync(Environment(run.Out.Trim()), "hosts", "list");
        Assert.True(billing.ExitCode == ExitCodes.Ok, billing.ToString());
    }

    [Fact]
    public async Task HostKeyOnAdminCall_PrintsPermissionDenied()
    {
        var admin = Environment(MeteringServiceHost.AdminKey);
        await MeteringCli.RunAsync(admin, "hosts", "create", "denied-host", "--name", "Denied");
        var key = await MeteringCli.RunAsync(admin, "keys", "create", "--role", "host", "--host", "denied-host", "--secret-only");

        var run = await MeteringCli.RunAsync(Environment(key.Out.Trim()), "hosts", "list");

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.StartsWith("error: PERMISSION_DENIED (7): ", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SettlementNotRunning_PrintsUnavailableNamingTheAddress()
    {
        var environment = Environment(MeteringServiceHost.AdminKey);

        var run = await MeteringCli.RunAsync(environment, "settle", "--period", "2026-10");

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.StartsWith("error: UNAVAILABLE (14): ", run.Error, StringComparison.Ordinal);
        Assert.Contains($"is the settlement service running at {environment["METERING_SETTLEMENT_ADDRESS"]}?", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Health_ReportsServingMeteringService()
    {
        var run = await MeteringCli.RunAsync(Environment(MeteringServiceHost.AdminKey), "health", "--service", "metering");

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.Contains("SERVING", run.Out, StringComparison.Ordinal);
    }

    private Dictionary<string, string> Environment(string key) => new()
    {
        ["METERING_ADDRESS"] = _service.Address.ToString().TrimEnd('/'),
        ["METERING_SETTLEMENT_ADDRESS"] = "http://127.0.0.1:" + ClosedPort().ToString(CultureInfo.InvariantCulture),
        ["METERING_API_KEY"] = key,
    };

    /// <summary>A loopback port nothing listens on (bound, then released).</summary>
    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [GeneratedRegex(@"Created HOST key (\S+) for host acme-cloud \(e2e gateway\)\.")]
    private static partial Regex CreatedKey();

    [GeneratedRegex(@"(?m)^Secret: (\S+)$")]
    private static partial Regex Secret();
}
