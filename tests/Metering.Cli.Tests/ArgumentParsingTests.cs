using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Tests.Infrastructure;

namespace Metering.Cli.Tests;

/// <summary>
/// Every command refuses a missing required option or argument and a malformed value with exit code 2 and a message
/// that names the option, on stderr as <c>metering &lt;command&gt;: &lt;message&gt;</c> and a pointer to the command's
/// help. Structural errors (unknown, missing or repeated options and arguments) are System.CommandLine's messages; the
/// values are read by the commands' own parsers, whose messages show the expected form. No server is called: these fail
/// before a client is needed (and before the missing key).
/// </summary>
public sealed class ArgumentParsingTests
{
    [Theory]
    // hosts
    [InlineData("hosts create", "Option '--name' is required.", "hosts", "create", "aws")]
    [InlineData("hosts create", "Required argument 'host-id' missing for command: 'create'.", "hosts", "create", "--name", "AWS")]
    [InlineData("hosts create", "Required argument missing for option: '--name'.", "hosts", "create", "aws", "--name")]
    [InlineData("hosts create", "--name needs a non-empty value", "hosts", "create", "aws", "--name", "")]
    [InlineData("hosts create", "Option '--name' expects a single argument but 2 were provided.", "hosts", "create", "aws", "--name", "A", "--name", "B")]
    [InlineData("hosts list", "Unrecognized command or argument 'all'.", "hosts", "list", "all")]
    // keys
    [InlineData("keys create", "Option '--role' is required.", "keys", "create")]
    [InlineData("keys create", "--role must be one of host, billing, admin; not 'root'", "keys", "create", "--role", "root")]
    [InlineData("keys create", "--host is required with --role host", "keys", "create", "--role", "host")]
    [InlineData("keys create", "--host is only for --role host", "keys", "create", "--role", "billing", "--host", "aws")]
    [InlineData("keys create", "Unrecognized command or argument 'yes'.", "keys", "create", "--role", "admin", "--secret-only=yes")]
    [InlineData("keys revoke", "Required argument 'key-id' missing for command: 'revoke'.", "keys", "revoke")]
    // usage
    [InlineData("usage", "Option '--from' is required.", "usage", "--to", "2026-12-01")]
    [InlineData("usage", "Option '--to' is required.", "usage", "--from", "2026-11-01")]
    [InlineData("usage", "--from must be a date (2026-11-01), a month (2026-11) or a UTC time (2026-11-01T08:00Z), not 'yesterday'", "usage", "--from", "yesterday", "--to", "2026-12-01")]
    [InlineData("usage", "--to must be a whole UTC hour (usage is counted per hour), not '2026-12-01T08:30Z'", "usage", "--from", "2026-11-01", "--to", "2026-12-01T08:30Z")]
    [InlineData("usage", "--to (2026-11-01T00:00Z) must be after --from (2026-12-01T00:00Z)", "usage", "--from", "2026-12", "--to", "2026-11")]
    [InlineData("usage", "--granularity must be one of hour, day, month, total; not 'week'", "usage", "--from", "2026-11", "--to", "2026-12", "--granularity", "week")]
    [InlineData("usage", "--format must be one of table, csv, json; not 'xml'", "usage", "--from", "2026-11", "--to", "2026-12", "--format", "xml")]
    [InlineData("usage", "--by must be one of host, model; not 'region'", "usage", "--from", "2026-11", "--to", "2026-12", "--by", "host,region")]
    [InlineData("usage", "--by names 'host' twice", "usage", "--from", "2026-11", "--to", "2026-12", "--by", "host", "--by", "host")]
    [InlineData("usage", "--host has an empty item in 'aws,,azure'", "usage", "--from", "2026-11", "--to", "2026-12", "--host", "aws,,azure")]
    [InlineData("usage", "Unrecognized command or argument '--hosts'.", "usage", "--from", "2026-11", "--to", "2026-12", "--hosts", "aws")]
    // agreements
    [InlineData("agreements set", "--host is required (or give the whole agreement with --file)", "agreements", "set", "--effective", "2026-10", "--currency", "USD", "--basis", "reported", "--tier", "0=10")]
    [InlineData("agreements set", "--effective is required", "agreements", "set", "--host", "aws", "--currency", "USD", "--basis", "reported", "--tier", "0=10")]
    [InlineData("agreements set", "--effective must be a month written YYYY-MM (e.g. 2026-10), not '2026-13'", "agreements", "set", "--host", "aws", "--effective", "2026-13", "--currency", "USD", "--basis", "reported", "--tier", "0=10")]
    [InlineData("agreements set", "--currency is required", "agreements", "set", "--host", "aws", "--effective", "2026-10", "--basis", "reported", "--tier", "0=10")]
    [InlineData("agreements set", "--currency must be an ISO 4217 code of three letters (USD, EUR), not 'dollars'", "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "dollars", "--basis", "reported", "--tier", "0=10")]
    [InlineData("agreements set", "--basis is required", "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "USD", "--tier", "0=10")]
    [InlineData("agreements set", "--basis must be one of rate-card, reported; not 'flat'", "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "USD", "--basis", "flat", "--tier", "0=10")]
    [InlineData("agreements set", "--rate is required with --basis rate-card", "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "USD", "--basis", "rate-card", "--tier", "0=10")]
    [InlineData("agreements set", "--rate is not allowed with --basis reported", "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "USD", "--basis", "reported", "--rate", "*=1,1,0", "--tier", "0=10")]
    [InlineData("agreements set", "--rate must be model=in,out,req (prices per 1M input tokens, per 1M output tokens, per 1K requests), e.g. \"llama-3.1-70b=0.90,0.90,0\"; not 'm=0.1,0.2'", "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "USD", "--basis", "rate-card", "--rate", "m=0.1,0.2", "--tier", "0=10")]
    [InlineData("agreements set", "--rate 'm=0.1,x,0': the output price must be a non-negative decimal", "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "USD", "--basis", "rate-card", "--rate", "m=0.1,x,0", "--tier", "0=10")]
    [InlineData("agreements set", "--rate gives model 'm' twice", "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "USD", "--basis", "rate-card", "--rate", "m=1,1,0", "--rate", "m=2,2,0", "--tier", "0=10")]
    [InlineData("agreements set", "--tier is required (at least one, starting at 0", "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "USD", "--basis", "reported")]
    [InlineData("agreements set", "--tier must be from=percent, e.g. 0=10 or 1000000=15; not '10'", "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "USD", "--basis", "reported", "--tier", "10")]
    [InlineData("agreements set", "--tier '0=150': the percent must be between 0 and 100", "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "USD", "--basis", "reported", "--tier", "0=150")]
    [InlineData("agreements set", "--minimum must be a non-negative decimal such as 0.15 or 1000000 (digits and at most one '.'), not '-5'", "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "USD", "--basis", "reported", "--tier", "0=10", "--minimum", "-5")]
    [InlineData("agreements set", "--file cannot read 'no-such-agreement.json'", "agreements", "set", "--file", "no-such-agreement.json")]
    [InlineData("agreements list", "--in-force must be a month written YYYY-MM", "agreements", "list", "--in-force", "October")]
    // settlement
    [InlineData("settle", "Option '--period' is required.", "settle")]
    [InlineData("settle", "--period must be a month written YYYY-MM (e.g. 2026-10), not '2026-1'", "settle", "--period", "2026-1")]
    [InlineData("statements list", "--status must be one of draft, final; not 'open'", "statements", "list", "--status", "open")]
    [InlineData("statements list", "--period must be a month written YYYY-MM", "statements", "list", "--period", "10/2026")]
    [InlineData("statements show", "missing <statement-id> (or --host <host-id> --period <YYYY-MM>)", "statements", "show")]
    [InlineData("statements show", "--period is required with --host", "statements", "show", "--host", "aws")]
    [InlineData("statements show", "--host is required with --period", "statements", "show", "--period", "2026-10")]
    [InlineData("statements show", "give either <statement-id> or --host with --period, not both", "statements", "show", "st_1", "--host", "aws")]
    [InlineData("statements finalize", "Required argument 'statement-id' missing for command: 'finalize'.", "statements", "finalize")]
    [InlineData("statements export", "Option '--format' is required.", "statements", "export", "st_1")]
    [InlineData("statements export", "--format must be one of csv, json; not 'table'", "statements", "export", "st_1", "--format", "table")]
    [InlineData("statements export", "missing <statement-id> (or --period <YYYY-MM>)", "statements", "export", "--format", "csv")]
    [InlineData("statements export", "--period is required with --host or --status", "statements", "export", "--host", "aws", "--format", "csv")]
    [InlineData("statements export", "give either <statement-id> or --period, not both (--period was given with 'st_1')", "statements", "export", "st_1", "--period", "2026-10", "--format", "csv")]
    // audit
    [InlineData("audit list", "--since must be a date (2026-11-01), a month (2026-11) or a UTC time (2026-11-01T08:00Z), not 'yesterday'", "audit", "list", "--since", "yesterday")]
    [InlineData("audit list", "--until (2026-10-01T00:00:00Z) must be after --since (2026-11-01T00:00:00Z)", "audit", "list", "--since", "2026-11", "--until", "2026-10")]
    [InlineData("audit list", "--target-id needs --target-type", "audit", "list", "--target-id", "st_1")]
    [InlineData("audit list", "--limit must be a whole number from 1 to 100,000, not '0'", "audit", "list", "--limit", "0")]
    [InlineData("audit list", "--format must be one of table, csv, json; not 'yaml'", "audit", "list", "--format", "yaml")]
    // demo and health
    [InlineData("demo", "--seconds must be a whole number from 1 to 3,600, not '0'", "demo", "--seconds", "0")]
    [InlineData("demo", "--gateways must be a whole number from 1 to 64, not 'two'", "demo", "--gateways", "two")]
    [InlineData("demo", "--metrics must be an http:// or https:// URL such as http://127.0.0.1:9091/metrics, not '127.0.0.1:9091'", "demo", "--metrics", "127.0.0.1:9091")]
    [InlineData("health", "--service must be one of metering, settlement, all; not 'redis'", "health", "--service", "redis")]
    [InlineData("health", "--wait must be a whole number from 1 to 3,600, not '-1'", "health", "--wait=-1")]
    [InlineData("hosts list", "--format must be one of table, csv, json; not 'yaml'", "hosts", "list", "--format", "yaml")]
    public async Task BadCommandLine_ExitsWithUsageErrorNamingTheOption(string command, string message, params string[] args)
    {
        var run = await MeteringCli.RunAsync(args);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains($"metering {command}: {message}", run.Error, StringComparison.Ordinal);
        Assert.Contains($"Run 'metering {command} --help' for usage.", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task FileWithTermOptions_IsRefused()
    {
        var path = Path.Combine(Path.GetTempPath(), $"agreement-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"host_id": "aws", "effective_month": "2026-10", "currency": "USD", "revenue_basis": "REVENUE_BASIS_REPORTED"}""");
        try
        {
            var run = await MeteringCli.RunAsync("agreements", "set", "--file", path, "--host", "aws");

            Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
            Assert.Contains("metering agreements set: --file cannot be combined with --host: the file holds the whole agreement", run.Error, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("metering: Unrecognized command or argument 'bill'.", "bill")]
    [InlineData("metering hosts: Unrecognized command or argument 'delete'.", "hosts", "delete")]
    [InlineData("metering keys: a subcommand is needed: create, revoke", "keys")]
    [InlineData("metering statements: Unrecognized command or argument '--period'.", "statements", "--period", "2026-10")]
    [InlineData("metering hosts list: Unrecognized command or argument '--verbose'.", "--verbose", "hosts", "list")]
    [InlineData("metering hosts list: Required argument missing for option: '--key'.", "hosts", "list", "--key")]
    public async Task UnknownCommandOrOption_IsNamed(string message, params string[] args)
    {
        var run = await MeteringCli.RunAsync(args);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Fact]
    public async Task ValidCommandWithoutKey_AsksForKeyOrVariable()
    {
        var run = await MeteringCli.RunAsync("hosts", "list");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("metering hosts list: no API key: pass --key <secret> or set METERING_API_KEY", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadAddressInEnvironment_NamesTheVariable()
    {
        var run = await MeteringCli.RunAsync(new Dictionary<string, string> { ["METERING_ADDRESS"] = "127.0.0.1:50051" }, "hosts", "list");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("METERING_ADDRESS must be an http:// or https:// URL such as http://127.0.0.1:50051, not '127.0.0.1:50051'", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void GlobalOptions_CommandLineBeatsEnvironmentBeatsDefault()
    {
        var environment = new Dictionary<string, string>
        {
            ["METERING_API_KEY"] = "from-env",
            ["METERING_ADDRESS"] = "http://env:1",
            ["METERING_SETTLEMENT_ADDRESS"] = "http://settlement-env:2",
        };

        var given = Resolve(environment, "--key=from-args", "hosts", "list", "--address", "https://metering.example:443");
        var fromEnvironment = Resolve(environment, "hosts", "list");
        var defaults = Resolve([], "hosts", "list");

        Assert.Equal(new GlobalOptions(new Uri("https://metering.example:443"), new Uri("http://settlement-env:2"), "from-args"), given);
        Assert.Equal("https://metering.example:443", given.Address.OriginalString);
        Assert.Equal(new GlobalOptions(new Uri("http://env:1"), new Uri("http://settlement-env:2"), "from-env"), fromEnvironment);
        Assert.Equal("http://127.0.0.1:50051", defaults.Address.OriginalString);
        Assert.Equal("http://127.0.0.1:50052", defaults.SettlementAddress.OriginalString);
        Assert.Null(defaults.Key);
    }

    [Fact]
    public async Task EnvironmentAddress_IsWhereTheCommandCalls()
    {
        var run = await MeteringCli.RunAsync(
            new Dictionary<string, string> { ["METERING_API_KEY"] = "k", ["METERING_SETTLEMENT_ADDRESS"] = "http://127.0.0.1:9" },
            "statements", "list");

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.Contains("is the settlement service running at http://127.0.0.1:9? (set --settlement-address or METERING_SETTLEMENT_ADDRESS)", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BadAddressOption_NamesTheOption()
    {
        var run = await MeteringCli.RunAsync("settle", "--period", "2026-10", "--settlement-address", "ftp://x");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("--settlement-address must be an http:// or https:// URL", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task NoCommand_PrintsHelpToStandardErrorWithUsageExitCode()
    {
        var run = await MeteringCli.RunAsync();

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("Usage:\n  metering [command] [options]", run.Error.Replace("\r\n", "\n", StringComparison.Ordinal), StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    private static GlobalOptions Resolve(Dictionary<string, string> environment, params string[] args)
    {
        var globals = new GlobalOptionSet(name => environment.GetValueOrDefault(name));
        var root = new RootCommand();
        foreach (var option in globals.All)
        {
            root.Options.Add(option);
        }

        root.Subcommands.Add(new Command("hosts") { Subcommands = { new Command("list") } });
        var parse = root.Parse(args);
        Assert.Empty(parse.Errors);
        return globals.Resolve(parse);
    }
}
