using System.CommandLine;
using Metering.Cli.Commands;
using Metering.Cli.Tests.Infrastructure;

namespace Metering.Cli.Tests;

/// <summary>
/// Help is System.CommandLine's, generated from the command tree: every command's help shows its usage, every one of its
/// options and arguments and the global options, then its details and examples; <c>metering --help</c> lists every
/// command and ends with the exit codes.
/// </summary>
public sealed class HelpTests
{
    public static TheoryData<string> CommandPaths()
    {
        var data = new TheoryData<string>();
        foreach (var command in CommandCatalog.Default().Commands)
        {
            data.Add(command.Path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public async Task CommandHelp_MentionsEveryOptionArgumentAndGlobal(string path)
    {
        var command = CommandCatalog.Default().Commands.Single(c => c.Path == path).Command;

        var run = await MeteringCli.RunAsync([.. path.Split(' '), "--help"]);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var help = Normalize(run.Out);
        Assert.Contains($"Description:\n  {command.Description}\n", help, StringComparison.Ordinal);
        Assert.Contains($"Usage:\n  metering {path}", help, StringComparison.Ordinal);
        foreach (var option in command.Options)
        {
            Assert.Contains(option.HelpName is null ? $"  {option.Name} " : $"  {option.Name} <{option.HelpName}>", help, StringComparison.Ordinal);
            Assert.Contains(option.Description!, help, StringComparison.Ordinal);
        }

        foreach (var argument in command.Arguments)
        {
            Assert.Contains($"<{argument.Name}>", help, StringComparison.Ordinal);
        }

        Assert.Contains("--address <url>", help, StringComparison.Ordinal);
        Assert.Contains("--settlement-address <url>", help, StringComparison.Ordinal);
        Assert.Contains("--key <secret>", help, StringComparison.Ordinal);
        Assert.Contains("METERING_API_KEY", help, StringComparison.Ordinal);
        Assert.Contains("Examples:\n  metering " + path, help, StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task CommandHelp_ShowsRequiredOptionsDefaultsAndChoices()
    {
        var usage = Normalize((await MeteringCli.RunAsync("usage", "--help")).Out);
        var demo = Normalize((await MeteringCli.RunAsync("demo", "-h")).Out);

        Assert.Matches(@"(?m)^  --from <time> \(REQUIRED\)\s+start, inclusive", usage);
        Assert.Matches(@"(?m)^  --granularity <hour\|day\|month\|total>\s+bucket width \[default: total\]$", usage);
        Assert.Matches(@"(?m)^  --format <table\|csv\|json>\s+output format: .* \[default: table\]$", usage);
        Assert.Contains("Details:\n  Totals include everything acknowledged so far", usage, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  --seconds <n>\s+how long the gateways stream \[default: 20\]$", demo);
    }

    [Fact]
    public async Task TopLevelHelp_ListsEveryCommandAndTheExitCodes()
    {
        var run = await MeteringCli.RunAsync("--help");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var help = Normalize(run.Out);
        Assert.Contains("Usage:\n  metering [command] [options]", help, StringComparison.Ordinal);
        foreach (var word in CommandCatalog.Default().Commands.Select(c => c.Path.Split(' ')[0]).Distinct())
        {
            Assert.Matches($@"(?m)^  {word}\s+\S", help);
        }

        Assert.Contains(CliApplication.ExitCodeHelp.Replace("\r\n", "\n", StringComparison.Ordinal), help, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  2\s+bad command line", help);
        Assert.Matches(@"(?m)^  130\s+interrupted", help);
        Assert.Contains("METERING_SETTLEMENT_ADDRESS", help, StringComparison.Ordinal);
        Assert.Contains("[suggest:", help, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GroupHelp_ListsItsSubcommands()
    {
        var run = await MeteringCli.RunAsync("statements", "--help");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        var help = Normalize(run.Out);
        Assert.Contains("Usage:\n  metering statements [command] [options]", help, StringComparison.Ordinal);
        foreach (var sub in new[] { "list", "show", "finalize", "export", "acknowledge", "dispute" })
        {
            Assert.Matches($@"(?m)^  {sub}\s+\S", help);
        }
    }

    [Fact]
    public async Task HelpAfterBadOption_StillShowsHelp()
    {
        var run = await MeteringCli.RunAsync("usage", "--granularity", "week", "--help");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Usage:\n  metering usage [options]", Normalize(run.Out), StringComparison.Ordinal);
        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task Help_NeverShowsTheKeyFromTheEnvironment()
    {
        var run = await MeteringCli.RunAsync(new Dictionary<string, string> { ["METERING_API_KEY"] = "secret-from-the-environment" }, "hosts", "list", "--help");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.DoesNotContain("secret-from-the-environment", run.Out, StringComparison.Ordinal);
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);
}
