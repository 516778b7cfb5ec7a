using Metering.Cli.Commands;
using Metering.Cli.Tests.Infrastructure;

namespace Metering.Cli.Tests;

/// <summary>Every command has help that shows its usage and every option.</summary>
public sealed class HelpTests
{
    public static TheoryData<string> CommandPaths()
    {
        var data = new TheoryData<string>();
        foreach (var command in CommandCatalog.Default().Commands)
        {
            data.Add(command.Spec.Path);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(CommandPaths))]
    public async Task CommandHelp_ListsUsageOptionsAndGlobals(string path)
    {
        var spec = CommandCatalog.Default().Find(path)!.Spec;

        var run = await MeteringCli.RunAsync([.. path.Split(' '), "--help"]);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        Assert.StartsWith($"metering {path} - {spec.Summary}", run.Out, StringComparison.Ordinal);
        Assert.Contains($"Usage: metering {path}", run.Out, StringComparison.Ordinal);
        foreach (var option in spec.Options)
        {
            Assert.Contains("  " + option.Synopsis, run.Out, StringComparison.Ordinal);
        }

        Assert.Contains("--address <url>", run.Out, StringComparison.Ordinal);
        Assert.Contains("METERING_API_KEY", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TopLevelHelp_ListsEveryCommand()
    {
        var run = await MeteringCli.RunAsync("-h");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        foreach (var command in CommandCatalog.Default().Commands)
        {
            Assert.Contains("  " + command.Spec.Path + " ", run.Out, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task GroupHelp_ListsItsSubcommands()
    {
        var run = await MeteringCli.RunAsync("statements", "--help");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Usage: metering statements <list|show|finalize|export> ...", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task HelpAfterBadOption_StillShowsHelp()
    {
        var run = await MeteringCli.RunAsync("usage", "--granularity", "week", "--help");

        Assert.Equal(ExitCodes.Ok, run.ExitCode);
        Assert.Contains("Usage: metering usage", run.Out, StringComparison.Ordinal);
    }
}
