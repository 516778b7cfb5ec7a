using Metering.Cli.Tests.Infrastructure;

namespace Metering.Cli.Tests;

/// <summary>
/// Shell completion: System.CommandLine's <c>[suggest:position]</c> directive (what dotnet-suggest and the shell
/// function in docs/operations.md call) prints the completions at the cursor, one per line, without calling a server.
/// </summary>
public sealed class CompletionTests
{
    [Theory]
    [InlineData("statements ex", "export")]
    [InlineData("metering statements ex", "export")]
    [InlineData("ho", "hosts")]
    [InlineData("usage --gr", "--granularity")]
    [InlineData("usage --from 2026-11 --to 2026-12 --granularity ", "hour", "day", "month", "total")]
    [InlineData("hosts list --format ", "table", "csv", "json")]
    [InlineData("keys create --role ", "host", "billing", "admin")]
    [InlineData("health --service s", "settlement")]
    public async Task SuggestDirective_CompletesCommandsOptionsAndValues(string line, params string[] expected)
    {
        var run = await MeteringCli.RunAsync($"[suggest:{line.Length}]", line);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var suggestions = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var word in expected)
        {
            Assert.Contains(word, suggestions);
        }

        Assert.Empty(run.Error);
    }

    [Fact]
    public async Task SuggestDirective_OffersOnlyWhatFitsTheWord()
    {
        var run = await MeteringCli.RunAsync("[suggest:13]", "statements fi");

        Assert.Equal(["finalize"], run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
    }

    [Fact]
    public void CompletionApi_ListsTheSubcommandsOfAGroup()
    {
        var app = new CliApplication(TextWriter.Null, TextWriter.Null, _ => null, TimeProvider.System);

        var labels = app.Parse(["keys", ""]).GetCompletions().Select(c => c.Label).ToList();

        Assert.Contains("create", labels);
        Assert.Contains("revoke", labels);
        Assert.DoesNotContain("list", labels);
    }
}
