using System.CommandLine;
using Metering.LoadGen.Metrics;
using Xunit;

namespace Metering.LoadGen.Tests;

/// <summary>The command line: names, defaults and validation of every option, the exit codes of a bad one and of --help.</summary>
public sealed class LoadGenCommandLineTests
{
    private const string Target = "http://127.0.0.1:50051";

    [Fact]
    public async Task OnlyTargetAndKey_RunsWithTheDefaults()
    {
        var (code, options, _, _) = await InvokeAsync("--target", Target, "--admin-key", "admin-key-1");

        Assert.Equal(ExitCodes.Pass, code);
        Assert.NotNull(options);
        Assert.Equal(new Uri(Target), options.Target);
        Assert.Equal("admin-key-1", options.AdminKey);
        Assert.Equal(4, options.Hosts);
        Assert.Equal(8, options.Streams);
        Assert.Equal(500, options.BatchSize);
        Assert.Equal(TimeSpan.FromSeconds(10), options.Duration);
        Assert.Null(options.TotalRecords);
        Assert.Equal(0, options.Rate);
        Assert.Equal(TimeSpan.FromSeconds(2), options.Warmup);
        Assert.Equal(20, options.Models);
        Assert.Equal(32, options.InFlight);
        Assert.Equal(2, options.Connections);
        Assert.Equal(16, options.Templates);
        Assert.Null(options.JsonPath);
        Assert.Matches("^[a-z][a-z0-9]{5}$", options.RunId);
        Assert.Equal(TimeSpan.Zero, options.WaitReady);
        Assert.Empty(options.WatchedProcesses);
        Assert.Equal(TimeSpan.FromSeconds(60), options.DrainTimeout);
        Assert.True(options.Progress);
    }

    [Fact]
    public async Task EveryOptionGiven_EndsUpInTheSettings()
    {
        var (code, options, _, _) = await InvokeAsync(
            "--target", "https://metering.example:8443", "--admin-key", "k", "--hosts", "3", "--streams", "6", "--batch-size", "1_000",
            "--duration", "2.5", "--rate", "250,000", "--warmup", "0.5", "--models", "7", "--in-flight", "4", "--connections", "3",
            "--templates", "2", "--json", "out/figures.json", "--run-id", "abc123", "--wait-ready", "60", "--watch-pid", "service=41",
            "--watch-pid", "redis=42", "--drain-timeout", "5", "--no-progress");

        Assert.Equal(ExitCodes.Pass, code);
        Assert.NotNull(options);
        Assert.Equal(new Uri("https://metering.example:8443"), options.Target);
        Assert.Equal((3, 6, 1000), (options.Hosts, options.Streams, options.BatchSize));
        Assert.Equal(TimeSpan.FromSeconds(2.5), options.Duration);
        Assert.Equal(250_000, options.Rate);
        Assert.Equal(TimeSpan.FromSeconds(0.5), options.Warmup);
        Assert.Equal((7, 4, 3, 2), (options.Models, options.InFlight, options.Connections, options.Templates));
        Assert.Equal("out/figures.json", options.JsonPath);
        Assert.Equal("abc123", options.RunId);
        Assert.Equal(TimeSpan.FromSeconds(60), options.WaitReady);
        Assert.Equal([new WatchedProcess("service", 41), new WatchedProcess("redis", 42)], options.WatchedProcesses);
        Assert.Equal(TimeSpan.FromSeconds(5), options.DrainTimeout);
        Assert.False(options.Progress);
    }

    [Fact]
    public async Task Records_ReplacesTheDurationAndDropsTheWarmup()
    {
        var (code, options, _, _) = await InvokeAsync("--target", Target, "--admin-key", "k", "--records", "20000");

        Assert.Equal(ExitCodes.Pass, code);
        Assert.NotNull(options);
        Assert.Equal(20_000, options.TotalRecords);
        Assert.Null(options.Duration);
        Assert.Equal(TimeSpan.Zero, options.Warmup);
    }

    [Fact]
    public async Task RecordsWithAWarmup_KeepsTheWarmup()
    {
        var (_, options, _, _) = await InvokeAsync("--target", Target, "--admin-key", "k", "--records", "100", "--warmup", "1");

        Assert.NotNull(options);
        Assert.Equal(TimeSpan.FromSeconds(1), options.Warmup);
    }

    [Fact]
    public async Task RecordsAndDuration_AreAUsageError()
    {
        var (code, options, _, error) = await InvokeAsync("--target", Target, "--admin-key", "k", "--records", "100", "--duration", "5");

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Null(options);
        Assert.Contains("give either --duration or --records, not both", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--streams", "0", "--streams must be a whole number from 1 to 4,096, got '0'")]
    [InlineData("--streams", "eight", "--streams must be a whole number from 1 to 4,096, got 'eight'")]
    [InlineData("--batch-size", "10001", "--batch-size must be a whole number from 1 to 10,000, got '10001'")]
    [InlineData("--hosts", "9", "--hosts must be a whole number from 1 to 8, got '9'")]
    [InlineData("--connections", "9", "--connections must be a whole number from 1 to 8, got '9'")]
    [InlineData("--records", "0", "--records must be a whole number from 1 to")]
    [InlineData("--duration", "0.05", "--duration must be a number >= 0.1, got '0.05'")]
    [InlineData("--rate", "-1", "--rate must be a number >= 0, got '-1'")]
    [InlineData("--rate", "NaN", "--rate must be a number >= 0, got 'NaN'")]
    [InlineData("--warmup", "soon", "--warmup must be a number >= 0, got 'soon'")]
    [InlineData("--drain-timeout", "0.5", "--drain-timeout must be a number >= 1, got '0.5'")]
    [InlineData("--templates", "2000", "--templates must be a whole number from 1 to 1,024, got '2000'")]
    [InlineData("--run-id", "Upper", "--run-id must be 1 to 24 lowercase letters or digits, got 'Upper'")]
    [InlineData("--watch-pid", "service", "--watch-pid must be NAME=PID, got 'service'")]
    [InlineData("--watch-pid", "service=x", "--watch-pid must be NAME=PID, got 'service=x'")]
    [InlineData("--target", "ftp://example", "--target must be an http:// or https:// address, got 'ftp://example'")]
    [InlineData("--target", "localhost:50051", "--target must be an http:// or https:// address, got 'localhost:50051'")]
    [InlineData("--admin-key", "", "--admin-key must not be empty")]
    [InlineData("--streams", null, "'--streams'")]
    [InlineData("--frobnicate", "1", "'--frobnicate'")]
    public async Task BadValue_IsAUsageErrorNamingTheOption(string option, string? value, string message)
    {
        string[] args = option switch
        {
            "--target" => ["--admin-key", "k"],
            "--admin-key" => ["--target", Target],
            _ => ["--target", Target, "--admin-key", "k"],
        };
        args = value is null ? [.. args, option] : [.. args, option, value];

        var (code, options, output, error) = await InvokeAsync(args);

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Null(options);
        Assert.Contains(message, error, StringComparison.Ordinal);
        Assert.Contains("--help", error, StringComparison.Ordinal);
        Assert.Empty(output);
    }

    [Fact]
    public async Task HostsUpToStreams_IsValid()
    {
        var (code, options, _, _) = await InvokeAsync("--target", Target, "--admin-key", "k", "--streams", "16", "--hosts", "16", "--connections", "16");

        Assert.Equal(ExitCodes.Pass, code);
        Assert.Equal((16, 16), (options!.Hosts, options.Connections));
    }

    [Fact]
    public async Task MissingTargetAndKey_NamesBoth()
    {
        var (code, _, _, error) = await InvokeAsync();

        Assert.Equal(ExitCodes.Usage, code);
        Assert.Contains("'--target'", error, StringComparison.Ordinal);
        Assert.Contains("'--admin-key'", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task KeyFromTheEnvironment_StandsInForAdminKey()
    {
        var environment = new Dictionary<string, string?> { [LoadGenCommandLine.AdminKeyVariable] = "from-environment" };

        var (code, options, _, _) = await InvokeAsync(environment, "--target", Target);

        Assert.Equal(ExitCodes.Pass, code);
        Assert.Equal("from-environment", options!.AdminKey);
    }

    [Fact]
    public async Task KeyOnTheCommandLine_WinsOverTheEnvironment()
    {
        var environment = new Dictionary<string, string?> { [LoadGenCommandLine.AdminKeyVariable] = "from-environment" };

        var (_, options, _, _) = await InvokeAsync(environment, "--target", Target, "--admin-key", "from-command-line");

        Assert.Equal("from-command-line", options!.AdminKey);
    }

    [Fact]
    public async Task Help_ListsEveryOptionWithItsDefaultAndDoesNotRun()
    {
        var (code, options, output, _) = await InvokeAsync("--help");

        Assert.Equal(ExitCodes.Pass, code);
        Assert.Null(options);
        string[] names =
        [
            "--target", "--admin-key", "--hosts", "--streams", "--batch-size", "--duration", "--records", "--rate", "--warmup", "--models",
            "--in-flight", "--connections", "--templates", "--json", "--run-id", "--wait-ready", "--watch-pid", "--drain-timeout", "--no-progress",
        ];
        Assert.All(names, name => Assert.Contains(name, output, StringComparison.Ordinal));
        Assert.Contains("[default: 500]", output, StringComparison.Ordinal);
        Assert.Contains("[default: 60]", output, StringComparison.Ordinal);
    }

    private static Task<(int Code, LoadGenOptions? Options, string Output, string Error)> InvokeAsync(params string[] args)
        => InvokeAsync(new Dictionary<string, string?>(), args);

    private static async Task<(int Code, LoadGenOptions? Options, string Output, string Error)> InvokeAsync(Dictionary<string, string?> environment, params string[] args)
    {
        LoadGenOptions? ran = null;
        var commandLine = new LoadGenCommandLine(name => environment.GetValueOrDefault(name), (options, _) =>
        {
            ran = options;
            return Task.FromResult(ExitCodes.Pass);
        });
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await commandLine.InvokeAsync(args, new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null }, CancellationToken.None);
        return (code, ran, output.ToString(), error.ToString());
    }
}
