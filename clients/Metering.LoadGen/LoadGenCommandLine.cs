using System.CommandLine;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Globalization;
using Metering.LoadGen.Metrics;

namespace Metering.LoadGen;

/// <summary>
/// The command line of metering-loadgen (System.CommandLine): every option with its name, default and validation,
/// so that a run only ever sees a validated <see cref="LoadGenOptions"/>. A bad command line exits with
/// <see cref="ExitCodes.Usage"/> and names the option; <c>--help</c> lists them all.
/// </summary>
internal sealed class LoadGenCommandLine
{
    public const string AdminKeyVariable = "METERING_ADMIN_KEY";

    private const int MaxStreams = 4096;

    private readonly Func<string, string?> _environment;

    /// <param name="environment">Reads an environment variable (<see cref="AdminKeyVariable"/>).</param>
    /// <param name="run">What a valid command line runs; its result is the exit code.</param>
    public LoadGenCommandLine(Func<string, string?> environment, Func<LoadGenOptions, CancellationToken, Task<int>> run)
    {
        _environment = environment;
        AdminKey.Required = string.IsNullOrEmpty(environment(AdminKeyVariable));
        Hosts.CustomParser = AtMostStreams;
        Connections.CustomParser = AtMostStreams;
        Duration.CustomParser = r => r.GetResult(Records) is null ? ParseNumber(r, 0.1) : NotWith(r, "--records");
        Command = new RootCommand(
            "Creates its own hosts and HOST keys (lg-<run>-aws, lg-<run>-azure, ...), streams numbered batches of usage records "
            + "over IngestService.StreamUsage, prints records/s and ack latency, then checks exactly-once: the ACCEPTED batches' "
            + "token sums per host and model must equal what UsageService.GetUsage reports.")
        {
            // --streams before --hosts and --connections: their parsers read its value.
            Target, AdminKey, Streams, Hosts, BatchSize, Duration, Records, Rate, Warmup, Models, InFlight, Connections, Templates,
            Json, RunId, WaitReady, WatchPid, DrainTimeout, NoProgress,
        };
        Command.SetAction((result, cancellationToken) => run(ToOptions(result), cancellationToken));
    }

    public RootCommand Command { get; }

    public Option<Uri> Target { get; } = new("--target")
    {
        Description = "Metering service address (http:// h2c or https://).",
        HelpName = "URL",
        Required = true,
        CustomParser = ParseTarget,
    };

    public Option<string> AdminKey { get; } = new("--admin-key")
    {
        Description = $"An ADMIN key (e.g. Security:BootstrapAdminKey). Required, unless {AdminKeyVariable} is set.",
        HelpName = "KEY",
        CustomParser = ParseAdminKey,
    };

    public Option<int> Hosts { get; } = new("--hosts")
    {
        Description = "Hosts to create (at most --streams); streams are spread over them.",
        HelpName = "N",
        DefaultValueFactory = _ => 4,
    };

    public Option<int> Streams { get; } = new("--streams")
    {
        Description = "Concurrent streams, one producer and one HOST key each.",
        HelpName = "N",
        DefaultValueFactory = _ => 8,
        CustomParser = r => (int)ParseWhole(r, 1, MaxStreams),
    };

    public Option<int> BatchSize { get; } = new("--batch-size")
    {
        Description = "Records per message.",
        HelpName = "N",
        DefaultValueFactory = _ => 500,
        CustomParser = r => (int)ParseWhole(r, 1, 10_000),
    };

    public Option<double?> Duration { get; } = new("--duration")
    {
        Description = "Measured seconds of sending (after --warmup). Default 10 unless --records.",
        HelpName = "S",
    };

    public Option<long?> Records { get; } = new("--records")
    {
        Description = "Send exactly N records in total instead of for a duration (not with --duration).",
        HelpName = "N",
        CustomParser = r => ParseWhole(r, 1, long.MaxValue / 2),
    };

    public Option<double> Rate { get; } = new("--rate")
    {
        Description = "Target records/s over all streams, paced by schedule; 0 = as fast as possible.",
        HelpName = "R",
        DefaultValueFactory = _ => 0,
        CustomParser = r => ParseNumber(r, 0),
    };

    public Option<double?> Warmup { get; } = new("--warmup")
    {
        Description = "Seconds sent before measuring (counted for exactly-once, not in the figures). Default 2 with --duration, 0 with --records.",
        HelpName = "S",
        CustomParser = r => ParseNumber(r, 0),
    };

    public Option<int> Models { get; } = new("--models")
    {
        Description = "Distinct model names; each batch spreads over 2-5 of them (Zipf popularity).",
        HelpName = "N",
        DefaultValueFactory = _ => 20,
        CustomParser = r => (int)ParseWhole(r, 1, 10_000),
    };

    public Option<int> InFlight { get; } = new("--in-flight")
    {
        Description = "Unacknowledged batches per stream.",
        HelpName = "N",
        DefaultValueFactory = _ => 32,
        CustomParser = r => (int)ParseWhole(r, 1, 10_000),
    };

    public Option<int> Connections { get; } = new("--connections")
    {
        Description = "HTTP/2 connections the streams are spread over (at most --streams).",
        HelpName = "N",
        DefaultValueFactory = _ => 2,
    };

    public Option<int> Templates { get; } = new("--templates")
    {
        Description = "Distinct pre-encoded batches per stream, cycled.",
        HelpName = "N",
        DefaultValueFactory = _ => 16,
        CustomParser = r => (int)ParseWhole(r, 1, 1024),
    };

    public Option<string> Json { get; } = new("--json")
    {
        Description = "Write the figures as JSON to this file.",
        HelpName = "PATH",
    };

    public Option<string> RunId { get; } = new("--run-id")
    {
        Description = "Names this run's hosts: 1 to 24 lowercase letters and digits. Default random.",
        HelpName = "ID",
        CustomParser = ParseRunId,
    };

    public Option<double> WaitReady { get; } = new("--wait-ready")
    {
        Description = "Wait up to S seconds for grpc.health.v1 SERVING before starting; 0 = no wait.",
        HelpName = "S",
        DefaultValueFactory = _ => 0,
        CustomParser = r => ParseNumber(r, 0),
    };

    public Option<WatchedProcess[]> WatchPid { get; } = new("--watch-pid")
    {
        Description = "Also report the CPU used by process PID during the measurement, as NAME (JSON key <NAME>_cpu_cores); repeatable.",
        HelpName = "NAME=PID",
        Arity = ArgumentArity.OneOrMore,
        CustomParser = ParseWatched,
    };

    public Option<double> DrainTimeout { get; } = new("--drain-timeout")
    {
        Description = "Seconds to wait for the last acks after sending stops.",
        HelpName = "S",
        DefaultValueFactory = _ => 60,
        CustomParser = r => ParseNumber(r, 1),
    };

    public Option<bool> NoProgress { get; } = new("--no-progress")
    {
        Description = "No live progress line on stderr.",
    };

    /// <summary>
    /// Parses and runs: a bad command line prints its errors on <see cref="InvocationConfiguration.Error"/> and returns
    /// <see cref="ExitCodes.Usage"/>, <c>--help</c> prints the help and returns <see cref="ExitCodes.Pass"/>, anything else is the run's exit code.
    /// </summary>
    public async Task<int> InvokeAsync(IReadOnlyList<string> args, InvocationConfiguration configuration, CancellationToken cancellationToken)
    {
        var result = Command.Parse(args);
        if (result.Action is ParseErrorAction errors)
        {
            // Only the errors, on stderr: help and typo suggestions would go to stdout.
            errors.ShowHelp = false;
            errors.ShowTypoCorrections = false;
            await result.InvokeAsync(configuration, cancellationToken);
            await configuration.Error.WriteLineAsync("metering-loadgen --help lists the options.");
            return ExitCodes.Usage;
        }

        return await result.InvokeAsync(configuration, cancellationToken);
    }

    /// <summary>The settings of a command line that parsed without errors.</summary>
    public LoadGenOptions ToOptions(ParseResult result)
    {
        if (result.Errors.Count > 0)
        {
            throw new ArgumentException($"the command line has errors: {result.Errors[0].Message}", nameof(result));
        }

        var records = result.GetValue(Records);
        TimeSpan? duration = records is null ? TimeSpan.FromSeconds(result.GetValue(Duration) ?? 10) : null;
        return new LoadGenOptions
        {
            Target = result.GetRequiredValue(Target),
            AdminKey = AdminKeyOf(result),
            Hosts = result.GetValue(Hosts),
            Streams = result.GetValue(Streams),
            BatchSize = result.GetValue(BatchSize),
            Duration = duration,
            TotalRecords = records,
            Rate = result.GetValue(Rate),
            Warmup = TimeSpan.FromSeconds(result.GetValue(Warmup) ?? (duration is null ? 0 : 2)),
            Models = result.GetValue(Models),
            InFlight = result.GetValue(InFlight),
            Connections = result.GetValue(Connections),
            Templates = result.GetValue(Templates),
            JsonPath = result.GetValue(Json),
            RunId = result.GetValue(RunId) ?? LoadGenOptions.NewRunId(),
            WaitReady = TimeSpan.FromSeconds(result.GetValue(WaitReady)),
            WatchedProcesses = result.GetValue(WatchPid) ?? [],
            DrainTimeout = TimeSpan.FromSeconds(result.GetValue(DrainTimeout)),
            Progress = !result.GetValue(NoProgress),
        };
    }

    private string AdminKeyOf(ParseResult result)
        => result.GetValue(AdminKey) ?? _environment(AdminKeyVariable) ?? throw new ArgumentException("--admin-key was not given and is not in the environment", nameof(result));

    /// <summary>A whole number from 1 to the value of --streams (4,096 while --streams itself is invalid).</summary>
    private int AtMostStreams(ArgumentResult result)
    {
        var streams = result.GetResult(Streams) is { } given && !given.Errors.Any() ? result.GetValue(Streams) : MaxStreams;
        return (int)ParseWhole(result, 1, streams);
    }

    private static double? NotWith(ArgumentResult result, string other)
    {
        result.AddError($"give either {OptionName(result)} or {other}, not both");
        return null;
    }

    private static Uri? ParseTarget(ArgumentResult result)
    {
        var text = result.Tokens[^1].Value;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var target) || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps))
        {
            result.AddError($"--target must be an http:// or https:// address, got '{text}'");
            return null;
        }

        return target;
    }

    private static string? ParseAdminKey(ArgumentResult result)
    {
        var text = result.Tokens[^1].Value;
        if (string.IsNullOrWhiteSpace(text))
        {
            result.AddError("--admin-key must not be empty");
            return null;
        }

        return text;
    }

    private static string? ParseRunId(ArgumentResult result)
    {
        var text = result.Tokens[^1].Value;
        if (text.Length is 0 or > 24 || !text.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9')))
        {
            result.AddError($"--run-id must be 1 to 24 lowercase letters or digits, got '{text}'");
            return null;
        }

        return text;
    }

    private static WatchedProcess[] ParseWatched(ArgumentResult result)
    {
        var watched = new List<WatchedProcess>();
        foreach (var token in result.Tokens)
        {
            var text = token.Value;
            var eq = text.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !int.TryParse(text.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid) || pid <= 0)
            {
                result.AddError($"--watch-pid must be NAME=PID, got '{text}'");
                continue;
            }

            watched.Add(new WatchedProcess(text[..eq], pid));
        }

        return [.. watched];
    }

    /// <summary>A whole number from the option's last value; '_' and ',' may group digits (250_000, 250,000).</summary>
    private static long ParseWhole(ArgumentResult result, long min, long max)
    {
        var text = result.Tokens[^1].Value;
        if (!long.TryParse(WithoutGrouping(text), NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            result.AddError($"{OptionName(result)} must be a whole number from {min.ToString("N0", CultureInfo.InvariantCulture)} to {max.ToString("N0", CultureInfo.InvariantCulture)}, got '{text}'");
            return min;
        }

        return value;
    }

    /// <summary>A finite number of at least <paramref name="min"/> from the option's last value; '_' and ',' may group digits.</summary>
    private static double ParseNumber(ArgumentResult result, double min)
    {
        var text = result.Tokens[^1].Value;
        if (!double.TryParse(WithoutGrouping(text), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < min)
        {
            result.AddError($"{OptionName(result)} must be a number >= {min.ToString(CultureInfo.InvariantCulture)}, got '{text}'");
            return min;
        }

        return value;
    }

    private static string WithoutGrouping(string text)
        => text.Replace("_", string.Empty, StringComparison.Ordinal).Replace(",", string.Empty, StringComparison.Ordinal);

    private static string OptionName(ArgumentResult result) => result.Parent is OptionResult option ? option.Option.Name : result.Argument.Name;
}
