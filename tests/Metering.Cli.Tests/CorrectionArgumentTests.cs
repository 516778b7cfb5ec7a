using Metering.Cli.Tests.Infrastructure;

namespace Metering.Cli.Tests;

/// <summary>
/// The commands of corrections, acknowledgements and disputes refuse a missing or malformed option or argument, and
/// options that do not go together, with exit code 2 and a message naming the option, as every command does
/// (<see cref="ArgumentParsingTests"/>). No server is called.
/// </summary>
public sealed class CorrectionArgumentTests
{
    private const string Deltas = "give at least one non-zero delta: --input-tokens, --output-tokens, --requests or --billed-micros";

    [Theory]
    // corrections propose
    [InlineData("corrections propose", "Option '--host' is required.", "corrections", "propose", "--model", "m", "--period", "2026-10", "--requests", "1", "--reason-code", "other", "--reason", "r")]
    [InlineData("corrections propose", "Option '--model' is required.", "corrections", "propose", "--host", "aws", "--period", "2026-10", "--requests", "1", "--reason-code", "other", "--reason", "r")]
    [InlineData("corrections propose", "Option '--period' is required.", "corrections", "propose", "--host", "aws", "--model", "m", "--requests", "1", "--reason-code", "other", "--reason", "r")]
    [InlineData("corrections propose", "Option '--reason-code' is required.", "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--requests", "1", "--reason", "r")]
    [InlineData("corrections propose", "Option '--reason' is required.", "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--requests", "1", "--reason-code", "other")]
    [InlineData("corrections propose", "--reason needs a non-empty value", "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--requests", "1", "--reason-code", "other", "--reason", "")]
    [InlineData("corrections propose", "--period must be a month written YYYY-MM (e.g. 2026-10), not '2026-10-01'", "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10-01", "--requests", "1", "--reason-code", "other", "--reason", "r")]
    [InlineData("corrections propose", "--reason-code must be one of refund, duplicate-report, missing-usage, pricing-error, dispute-resolution, other; not 'typo'", "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--requests", "1", "--reason-code", "typo", "--reason", "r")]
    [InlineData("corrections propose", "--input-tokens must be a whole number, negative to subtract (e.g. -500 or 1200), not 'many'", "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--input-tokens", "many", "--reason-code", "other", "--reason", "r")]
    [InlineData("corrections propose", "--output-tokens must be a whole number, negative to subtract (e.g. -500 or 1200), not '-1.5'", "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--output-tokens", "-1.5", "--reason-code", "other", "--reason", "r")]
    [InlineData("corrections propose", "--requests must be a whole number, negative to subtract (e.g. -500 or 1200), not '1,000'", "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--requests", "1,000", "--reason-code", "other", "--reason", "r")]
    [InlineData("corrections propose", "--billed-micros must be a whole number, negative to subtract (e.g. -500 or 1200), not '9223372036854775808'", "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--billed-micros", "9223372036854775808", "--reason-code", "other", "--reason", "r")]
    [InlineData("corrections propose", Deltas, "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--reason-code", "other", "--reason", "r")]
    [InlineData("corrections propose", Deltas, "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--input-tokens", "0", "--requests", "-0", "--reason-code", "other", "--reason", "r")]
    [InlineData("corrections propose", "--to-hour is required with --from-hour", "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--from-hour", "2026-10-05T00Z", "--requests", "1", "--reason-code", "other", "--reason", "r")]
    [InlineData("corrections propose", "--from-hour is required with --to-hour", "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--to-hour", "2026-10-05T00Z", "--requests", "1", "--reason-code", "other", "--reason", "r")]
    [InlineData("corrections propose", "--to-hour (2026-10-05T00:00Z) must be after --from-hour (2026-10-05T00:00Z)", "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--from-hour", "2026-10-05", "--to-hour", "2026-10-05T00Z", "--requests", "1", "--reason-code", "other", "--reason", "r")]
    [InlineData("corrections propose", "--from-hour must be a whole UTC hour (usage is counted per hour), not '2026-10-05T08:30Z'", "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--from-hour", "2026-10-05T08:30Z", "--to-hour", "2026-10-06T00Z", "--requests", "1", "--reason-code", "other", "--reason", "r")]
    [InlineData("corrections propose", "--format must be one of table, csv, json; not 'xml'", "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--requests", "1", "--reason-code", "other", "--reason", "r", "--format", "xml")]
    // corrections approve, decline, list
    [InlineData("corrections approve", "Required argument 'correction-id' missing for command: 'approve'.", "corrections", "approve")]
    [InlineData("corrections approve", "Unrecognized command or argument 'co_2'.", "corrections", "approve", "co_1", "co_2")]
    [InlineData("corrections decline", "Option '--reason' is required.", "corrections", "decline", "co_1")]
    [InlineData("corrections decline", "Required argument 'correction-id' missing for command: 'decline'.", "corrections", "decline", "--reason", "no")]
    [InlineData("corrections list", "--state must be one of proposed, approved, declined; not 'open'", "corrections", "list", "--state", "open")]
    [InlineData("corrections list", "--period must be a month written YYYY-MM", "corrections", "list", "--period", "October")]
    [InlineData("corrections list", "--limit must be a whole number from 1 to 100,000, not '0'", "corrections", "list", "--limit", "0")]
    // statements acknowledge, dispute
    [InlineData("statements acknowledge", "Required argument 'statement-id' missing for command: 'acknowledge'.", "statements", "acknowledge")]
    [InlineData("statements acknowledge", "--message needs a non-empty value", "statements", "acknowledge", "st_1", "--message", "")]
    [InlineData("statements dispute", "Option '--message' is required.", "statements", "dispute", "st_1", "--line", "m")]
    [InlineData("statements dispute", "Required argument 'statement-id' missing for command: 'dispute'.", "statements", "dispute", "--message", "wrong")]
    [InlineData("statements dispute", "--line 'm@2026-13': the period after '@' must be a month written YYYY-MM (e.g. m@2026-09)", "statements", "dispute", "st_1", "--line", "m@2026-13", "--message", "wrong")]
    [InlineData("statements dispute", "--line '@2026-09' has no model before '@'", "statements", "dispute", "st_1", "--line=@2026-09", "--message", "wrong")]
    [InlineData("statements dispute", "--line 'm@': the period after '@' must be a month written YYYY-MM (e.g. m@2026-09)", "statements", "dispute", "st_1", "--line", "m@", "--message", "wrong")]
    [InlineData("statements dispute", "--line 'm@v2@2026-09': the period after '@' must be a month written YYYY-MM (e.g. m@2026-09)", "statements", "dispute", "st_1", "--line", "m@v2@2026-09", "--message", "wrong")]
    [InlineData("statements dispute", "--line needs a non-empty value", "statements", "dispute", "st_1", "--line", "", "--message", "wrong")]
    [InlineData("statements dispute", "--line names 'm@2026-09' twice", "statements", "dispute", "st_1", "--line", "m@2026-09", "--line", "m", "--line", "m@2026-09", "--message", "wrong")]
    // disputes
    [InlineData("disputes list", "--state must be one of open, resolved, rejected; not 'closed'", "disputes", "list", "--state", "closed")]
    [InlineData("disputes list", "--statement needs a non-empty value", "disputes", "list", "--statement", "")]
    [InlineData("disputes list", "--limit must be a whole number from 1 to 100,000, not '-3'", "disputes", "list", "--limit=-3")]
    [InlineData("disputes resolve", "missing --correction <correction-id> (resolve) or --reject <reason> (reject)", "disputes", "resolve", "di_1")]
    [InlineData("disputes resolve", "give either --correction or --reject, not both", "disputes", "resolve", "di_1", "--correction", "co_1", "--reject", "no")]
    [InlineData("disputes resolve", "--note is only for --correction; with --reject the reason is the note", "disputes", "resolve", "di_1", "--reject", "no", "--note", "n")]
    [InlineData("disputes resolve", "missing --correction <correction-id> (resolve) or --reject <reason> (reject)", "disputes", "resolve", "di_1", "--note", "n")]
    [InlineData("disputes resolve", "Required argument 'dispute-id' missing for command: 'resolve'.", "disputes", "resolve", "--reject", "no")]
    [InlineData("disputes resolve", "--reject needs a non-empty value", "disputes", "resolve", "di_1", "--reject", "")]
    // usage
    [InlineData("usage", "--view must be one of corrected, raw, corrections; not 'adjusted'", "usage", "--from", "2026-10", "--to", "2026-11", "--view", "adjusted")]
    public async Task BadCommandLine_ExitsWithUsageErrorNamingTheOption(string command, string message, params string[] args)
    {
        var run = await MeteringCli.RunAsync(args);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains($"metering {command}: {message}", run.Error, StringComparison.Ordinal);
        Assert.Contains($"Run 'metering {command} --help' for usage.", run.Error, StringComparison.Ordinal);
        Assert.Empty(run.Out);
    }

    [Theory]
    [InlineData("metering corrections: a subcommand is needed: propose, approve, decline, list", "corrections")]
    [InlineData("metering disputes: a subcommand is needed: list, resolve", "disputes")]
    [InlineData("metering disputes: Unrecognized command or argument 'open'.", "disputes", "open")]
    public async Task Groups_NameTheirSubcommands(string message, params string[] args)
    {
        var run = await MeteringCli.RunAsync(args);

        Assert.True(run.ExitCode == ExitCodes.Usage, run.ToString());
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ValidCorrectionCommandWithoutKey_AsksForTheKey_AfterCheckingTheOptions()
    {
        var run = await MeteringCli.RunAsync("corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--input-tokens", "-500", "--reason-code", "refund", "--reason", "refunded");

        Assert.Equal(ExitCodes.Usage, run.ExitCode);
        Assert.Contains("metering corrections propose: no API key: pass --key <secret> or set METERING_API_KEY", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CorrectionCommands_CallTheSettlementService()
    {
        var run = await MeteringCli.RunAsync(
            new Dictionary<string, string> { ["METERING_API_KEY"] = "k", ["METERING_SETTLEMENT_ADDRESS"] = "http://127.0.0.1:9" },
            "disputes", "list");

        Assert.Equal(ExitCodes.Failed, run.ExitCode);
        Assert.StartsWith("error: UNAVAILABLE (14): ", run.Error, StringComparison.Ordinal);
        Assert.Contains("is the settlement service running at http://127.0.0.1:9? (set --settlement-address or METERING_SETTLEMENT_ADDRESS)", run.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("metering service running", run.Error, StringComparison.Ordinal);
    }
}
