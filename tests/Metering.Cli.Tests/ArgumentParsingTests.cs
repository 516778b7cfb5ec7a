using Metering.Cli.Tests.Infrastructure;

namespace Metering.Cli.Tests;

/// <summary>
/// Every command refuses a missing required option or argument and a malformed value with exit code 2 and a message
/// that names the option. No server is called: these fail before a client is needed (and before the missing key).
/// </summary>
public sealed class ArgumentParsingTests
{
    [Theory]
    // hosts
    [InlineData("hosts create", "--name is required", "hosts", "create", "aws")]
    [InlineData("hosts create", "missing argument <host-id>", "hosts", "create", "--name", "AWS")]
    [InlineData("hosts create", "--name needs a value", "hosts", "create", "aws", "--name")]
    [InlineData("hosts create", "--name needs a non-empty value", "hosts", "create", "aws", "--name", "")]
    [InlineData("hosts create", "--name was given more than once", "hosts", "create", "aws", "--name", "A", "--name", "B")]
    [InlineData("hosts list", "'metering hosts list' takes no arguments, got 'all'", "hosts", "list", "all")]
    // keys
    [InlineData("keys create", "--role is required", "keys", "create")]
    [InlineData("keys create", "--role must be one of host, billing, admin; not 'root'", "keys", "create", "--role", "root")]
    [InlineData("keys create", "--host is required with --role host", "keys", "create", "--role", "host")]
    [InlineData("keys create", "--host is only for --role host", "keys", "create", "--role", "billing", "--host", "aws")]
    [InlineData("keys create", "--secret-only is a flag and takes no value (got 'yes')", "keys", "create", "--role", "admin", "--secret-only=yes")]
    [InlineData("keys revoke", "missing argument <key-id>", "keys", "revoke")]
    // usage
    [InlineData("usage", "--from is required", "usage", "--to", "2026-12-01")]
    [InlineData("usage", "--to is required", "usage", "--from", "2026-11-01")]
    [InlineData("usage", "--from must be a date (2026-11-01), a month (2026-11) or a UTC time (2026-11-01T08:00Z), not 'yesterday'", "usage", "--from", "yesterday", "--to", "2026-12-01")]
    [InlineData("usage", "--to must be a whole UTC hour (usage is counted per hour), not '2026-12-01T08:30Z'", "usage", "--from", "2026-11-01", "--to", "2026-12-01T08:30Z")]
    [InlineData("usage", "--to (2026-11-01T00:00Z) must be after --from (2026-12-01T00:00Z)", "usage", "--from", "2026-12", "--to", "2026-11")]
    [InlineData("usage", "--granularity must be one of hour, day, month, total; not 'week'", "usage", "--from", "2026-11", "--to", "2026-12", "--granularity", "week")]
    [InlineData("usage", "--format must be one of table, csv, json; not 'xml'", "usage", "--from", "2026-11", "--to", "2026-12", "--format", "xml")]
    [InlineData("usage", "--by must be one of host, model; not 'region'", "usage", "--from", "2026-11", "--to", "2026-12", "--by", "host,region")]
    [InlineData("usage", "--by names 'host' twice", "usage", "--from", "2026-11", "--to", "2026-12", "--by", "host", "--by", "host")]
    [InlineData("usage", "--host has an empty item in 'aws,,azure'", "usage", "--from", "2026-11", "--to", "2026-12", "--host", "aws,,azure")]
    [InlineData("usage", "unknown option '--hosts' for 'metering usage'; did you mean --host?", "usage", "--hosts", "aws")]
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
    [InlineData("agreements set", "--file cannot be combined with --host", "agreements", "set", "--file", "agreement.json", "--host", "aws")]
    [InlineData("agreements list", "--in-force must be a month written YYYY-MM", "agreements", "list", "--in-force", "October")]
    // settlement
    [InlineData("settle", "--period is required", "settle")]
    [InlineData("settle", "--period must be a month written YYYY-MM (e.g. 2026-10), not '2026-1'", "settle", "--period", "2026-1")]
    [InlineData("statements list", "--status must be one of draft, final; not 'open'", "statements", "list", "--status", "open")]
    [InlineData("statements list", "--period must be a month written YYYY-MM", "statements", "list", "--period", "10/2026")]
    [InlineData("statements show", "missing <statement-id> (or --host <host-id> --period <YYYY-MM>)", "statements", "show")]
    [InlineData("statements show", "--period is required with --host", "statements", "show", "--host", "aws")]
    [InlineData("statements show", "--host is required with --period", "statements", "show", "--period", "2026-10")]
    [InlineData("statements show", "give either <statement-id> or --host with --period, not both", "statements", "show", "st_1", "--host", "aws")]
    [InlineData("statements finalize", "missing argument <statement-id>", "statements", "finalize")]
    [InlineData("statements export", "--format is required", "statements", "export", "st_1")]
    [InlineData("statements export", "--format must be one of csv, json; not 'table'", "statements", "export", "st_1", "--format", "table")]
    [InlineData("statements export", "missing <statement-id> (or --period <YYYY-MM>)", "statements", "export", "--format", "csv")]
    [InlineData("statements export", "--period is required with --host or --status", "statements", "export", "--host", "aws", "--format", "csv")]
    [InlineData("statements export", "give either <statement-id> or --period, not both (--period was given with 'st_1')", "statements", "export", "st_1", "--period", "2026-10", "--format", "csv")]
    // demo and health
    [InlineData("demo", "--seconds must be a whole number from 1 to 3,600, not '0'", "demo", "--seconds", "0")]
    [InlineData("demo", "--gateways must be a whole number from 1 to 64, not 'two'", "demo", "--gateways", "two")]
    [InlineData("health", "--service must be one of metering, settlement, all; not 'redis'", "health", "--service", "redis")]
    public async Task BadCommandLine_ExitsWithUsageErrorNamingTheOption(string command, string message, params string[] args)
    {
        var run = await MeteringCli.RunAsync(args);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains($"metering {command}: {message}", run.Error, StringComparison.Ordinal);
        Assert.Contains($"Run 'metering {command} --help' for usage.", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Theory]
    [InlineData("'bill' is not a metering command; see 'metering --help'", "bill")]
    [InlineData("'delete' is not a subcommand of 'metering hosts'; choose one of: create, list", "hosts", "delete")]
    [InlineData("'metering keys' needs a subcommand: create, revoke", "keys")]
    [InlineData("'metering statements' needs a subcommand before '--period': list, show, finalize, export", "statements", "--period", "2026-10")]
    [InlineData("unknown option '--verbose' before the command; see 'metering --help'", "--verbose", "hosts", "list")]
    [InlineData("--key needs a value", "hosts", "list", "--key")]
    public async Task UnknownCommandOrOption_IsNamed(string message, params string[] args)
    {
        var run = await MeteringCli.RunAsync(args);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
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
        Assert.Contains("Usage: metering <command> [arguments] [options]", run.Error, StringComparison.Ordinal);
    }
}
