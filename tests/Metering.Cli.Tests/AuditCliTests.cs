using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Metering.Cli.Tests.Infrastructure;
using Metering.Testing;

namespace Metering.Cli.Tests;

/// <summary>
/// <c>metering audit list</c> in-process against the real metering service: the changes made with the CLI itself, as a
/// table, CSV and JSON, filtered and limited, and as a HOST key sees them.
/// </summary>
public sealed partial class AuditCliTests : IAsyncLifetime
{
    private MeteringServiceHost _service = null!;

    public async Task InitializeAsync() => _service = await MeteringServiceHost.StartAsync();

    public async Task DisposeAsync() => await _service.DisposeAsync();

    [Fact]
    public async Task AuditList_ShowsTheChangesMadeThroughTheCli_InEveryFormat()
    {
        var admin = Environment(MeteringServiceHost.AdminKey);
        Assert.Equal(ExitCodes.Ok, (await MeteringCli.RunAsync(admin, "hosts", "create", "audited", "--name", "Audited")).ExitCode);
        Assert.Equal(ExitCodes.Ok, (await MeteringCli.RunAsync(admin, "hosts", "create", "bystander", "--name", "Bystander")).ExitCode);
        var key = await MeteringCli.RunAsync(admin, "keys", "create", "--role", "host", "--host", "audited", "--description", "gateway");
        var keyId = CreatedKey().Match(key.Out).Groups[1].Value;
        var secret = Secret().Match(key.Out).Groups[1].Value;
        Assert.Equal(ExitCodes.Ok, (await MeteringCli.RunAsync(admin, "keys", "revoke", keyId)).ExitCode);
        var hostKey = await MeteringCli.RunAsync(admin, "keys", "create", "--role", "host", "--host", "audited", "--secret-only");

        var table = await MeteringCli.RunAsync(admin, "audit", "list");
        Assert.True(table.ExitCode == ExitCodes.Ok, table.ToString());
        Assert.Matches($@"(?m)^\s*\d+\s+\d{{4}}-\d{{2}}-\d{{2}} \d{{2}}:\d{{2}}:\d{{2}} UTC\s+bootstrap \(ADMIN\)\s+api_key\.revoke\s+api_key {keyId}\s+audited\s+revoked_at\s*$", table.Out);
        Assert.Matches(@"(?m)^\s*\d+\s.*host\.create\s+host audited\s+audited\s+created\s*$", table.Out);
        Assert.DoesNotContain(secret, table.Out, StringComparison.Ordinal);

        var csv = await MeteringCli.RunAsync(admin, "audit", "list", "--action", "api_key.", "--format", "csv");
        Assert.True(csv.ExitCode == ExitCodes.Ok, csv.ToString());
        var rows = csv.Out.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        Assert.Equal("event_id,occurred_at,actor_key_id,actor_role,action,target_type,target_id,host_id,summary_json", rows[0]);
        Assert.Equal(3, rows.Count - 1);
        Assert.Contains(rows, r => r.Contains($",bootstrap,ADMIN,api_key.revoke,api_key,{keyId},audited,", StringComparison.Ordinal));
        Assert.DoesNotContain(secret, csv.Out, StringComparison.Ordinal);

        var json = await MeteringCli.RunAsync(admin, "audit", "list", "--target-type", "api_key", "--target-id", keyId, "--format", "json");
        Assert.True(json.ExitCode == ExitCodes.Ok, json.ToString());
        using (var document = JsonDocument.Parse(json.Out))
        {
            var events = document.RootElement.GetProperty("events").EnumerateArray().ToList();
            Assert.Equal(["api_key.revoke", "api_key.create"], events.Select(e => e.GetProperty("action").GetString()));
            using var summary = JsonDocument.Parse(events[0].GetProperty("summary_json").GetString()!);
            Assert.Equal(JsonValueKind.Null, summary.RootElement.GetProperty("before").GetProperty("revoked_at").ValueKind);
        }

        var limited = await MeteringCli.RunAsync(admin, "audit", "list", "--limit", "2", "--format", "csv");
        Assert.Equal(3, limited.Out.TrimEnd().Split('\n').Length);

        var asHost = await MeteringCli.RunAsync(Environment(hostKey.Out.Trim()), "audit", "list", "--format", "csv");
        Assert.True(asHost.ExitCode == ExitCodes.Ok, asHost.ToString());
        Assert.DoesNotContain("bystander", asHost.Out, StringComparison.Ordinal);
        Assert.Contains(",host.create,host,audited,audited,", asHost.Out, StringComparison.Ordinal);

        var denied = await MeteringCli.RunAsync(Environment(hostKey.Out.Trim()), "audit", "list", "--host", "bystander");
        Assert.True(denied.ExitCode == ExitCodes.Failed, denied.ToString());
        Assert.StartsWith("error: PERMISSION_DENIED (7): ", denied.Error, StringComparison.Ordinal);

        var none = await MeteringCli.RunAsync(admin, "audit", "list", "--action", "statement.finalize");
        Assert.Equal("No audit events match.", none.Out.Trim());
    }

    private Dictionary<string, string> Environment(string key) => new()
    {
        ["METERING_ADDRESS"] = _service.Address.ToString().TrimEnd('/'),
        ["METERING_SETTLEMENT_ADDRESS"] = "http://127.0.0.1:" + ClosedPort().ToString(CultureInfo.InvariantCulture),
        ["METERING_API_KEY"] = key,
    };

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [GeneratedRegex(@"Created HOST key (\S+) for host audited \(gateway\)\.")]
    private static partial Regex CreatedKey();

    [GeneratedRegex(@"(?m)^Secret: (\S+)$")]
    private static partial Regex Secret();
}
