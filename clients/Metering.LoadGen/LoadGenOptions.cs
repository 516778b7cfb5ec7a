using System.Globalization;

namespace Metering.LoadGen;

/// <summary>Settings of one load run, parsed from the command line and validated where they are built.</summary>
internal sealed class LoadGenOptions
{
    public const string Usage = """
        usage: metering-loadgen --target http://127.0.0.1:PORT --admin-key KEY [options]

        Creates its own hosts and HOST keys (lg-<run>-aws, lg-<run>-azure, ...), streams numbered batches of usage
        records over IngestService.StreamUsage, prints records/s and ack latency, then checks exactly-once: the
        ACCEPTED batches' token sums per host and model must equal what UsageService.GetUsage reports.

          --target URL         metering service address (http:// h2c or https://). Required.
          --admin-key KEY      an ADMIN key (e.g. Security:BootstrapAdminKey). Required; or METERING_ADMIN_KEY.
          --hosts N            hosts to create; streams are spread over them. Default 4.
          --streams N          concurrent streams, one producer and one HOST key each. Default 8.
          --batch-size N       records per message (1-10000). Default 500.
          --duration S         measured seconds of sending (after --warmup). Default 10 unless --records.
          --records N          send exactly N records in total instead of for a duration.
          --rate R             target records/s over all streams, paced by schedule; 0 = as fast as possible. Default 0.
          --warmup S           seconds sent before measuring (counted for exactly-once, not in the figures).
                               Default 2 with --duration, 0 with --records.
          --models N           distinct model names; each batch spreads over 2-5 of them (Zipf popularity). Default 20.
          --in-flight N        unacknowledged batches per stream. Default 32.
          --connections N      HTTP/2 connections the streams are spread over. Default 2.
          --templates N        distinct pre-encoded batches per stream, cycled. Default 16.
          --json PATH          write the figures as JSON.
          --run-id ID          names this run's hosts (lowercase letters and digits). Default random.
          --wait-ready S       wait up to S seconds for grpc.health.v1 SERVING before starting. Default 0 (no wait).
          --watch-pid NAME=PID also report the CPU used by process PID during the measurement (repeatable).
          --drain-timeout S    how long to wait for the last acks after sending stops. Default 60.
          --no-progress        no live progress line on stderr.
        """;

    public required Uri Target { get; init; }

    public required string AdminKey { get; init; }

    /// <summary>Hosts to create. Defaults to 4.</summary>
    public int Hosts { get; init; } = 4;

    /// <summary>Concurrent streams (producers). Defaults to 8.</summary>
    public int Streams { get; init; } = 8;

    /// <summary>Records per message. Defaults to 500.</summary>
    public int BatchSize { get; init; } = 500;

    /// <summary>Measured sending time; null with <see cref="TotalRecords"/>. Defaults to 10 s.</summary>
    public TimeSpan? Duration { get; init; }

    /// <summary>Exact number of records to send; null in duration mode.</summary>
    public long? TotalRecords { get; init; }

    /// <summary>Records/s over all streams; 0 = as fast as the window allows. Defaults to 0.</summary>
    public double Rate { get; init; }

    /// <summary>Sending before the measurement starts. Defaults to 2 s with a duration, 0 with a record count.</summary>
    public TimeSpan Warmup { get; init; }

    /// <summary>Distinct model names. Defaults to 20.</summary>
    public int Models { get; init; } = 20;

    /// <summary>Unacknowledged batches per stream. Defaults to 32.</summary>
    public int InFlight { get; init; } = 32;

    /// <summary>HTTP/2 connections. Defaults to 2.</summary>
    public int Connections { get; init; } = 2;

    /// <summary>Distinct pre-encoded batches per stream. Defaults to 16.</summary>
    public int Templates { get; init; } = 16;

    public string? JsonPath { get; init; }

    public required string RunId { get; init; }

    /// <summary>How long to wait for the service to report SERVING. Defaults to zero (no wait).</summary>
    public TimeSpan WaitReady { get; init; }

    /// <summary>Other processes whose CPU use is reported (name, pid).</summary>
    public IReadOnlyList<(string Name, int Pid)> WatchedProcesses { get; init; } = [];

    /// <summary>How long to wait for the remaining acks once sending stops. Defaults to 60 s.</summary>
    public TimeSpan DrainTimeout { get; init; } = TimeSpan.FromSeconds(60);

    public bool Progress { get; init; } = true;

    /// <summary>Parses and validates; on failure <paramref name="error"/> names the bad option (empty for --help).</summary>
    public static bool TryParse(string[] args, out LoadGenOptions options, out string error)
    {
        options = null!;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        var watched = new List<(string, int)>();
        var progress = true;
        for (var i = 0; i < args.Length; i++)
        {
            var name = args[i];
            switch (name)
            {
                case "-h" or "--help":
                    error = string.Empty;
                    return false;
                case "--no-progress":
                    progress = false;
                    continue;
            }

            if (!name.StartsWith("--", StringComparison.Ordinal) || !Known.Contains(name))
            {
                error = $"unknown option '{name}'";
                return false;
            }

            if (i + 1 >= args.Length)
            {
                error = $"{name} needs a value";
                return false;
            }

            var value = args[++i];
            if (name == "--watch-pid")
            {
                var eq = value.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0 || !int.TryParse(value.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
                {
                    error = $"--watch-pid must be NAME=PID, got '{value}'";
                    return false;
                }

                watched.Add((value[..eq], pid));
                continue;
            }

            values[name] = value;
        }

        try
        {
            options = Build(values, watched, progress);
            error = string.Empty;
            return true;
        }
        catch (FormatException ex)
        {
            error = ex.Message;
            return false;
        }
    }

    private static readonly HashSet<string> Known = new(StringComparer.Ordinal)
    {
        "--target", "--admin-key", "--hosts", "--streams", "--batch-size", "--duration", "--records", "--rate", "--warmup",
        "--models", "--in-flight", "--connections", "--templates", "--json", "--run-id", "--wait-ready", "--watch-pid",
        "--drain-timeout",
    };

    private static LoadGenOptions Build(Dictionary<string, string> values, List<(string, int)> watched, bool progress)
    {
        var targetText = values.GetValueOrDefault("--target") ?? throw new FormatException("--target is required (e.g. http://127.0.0.1:50051)");
        if (!Uri.TryCreate(targetText, UriKind.Absolute, out var target) || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps))
        {
            throw new FormatException($"--target must be an http:// or https:// address, got '{targetText}'");
        }

        var adminKey = values.GetValueOrDefault("--admin-key") ?? Environment.GetEnvironmentVariable("METERING_ADMIN_KEY");
        if (string.IsNullOrEmpty(adminKey))
        {
            throw new FormatException("--admin-key is required (or set METERING_ADMIN_KEY)");
        }

        var streams = Int(values, "--streams", 8, 1, 4096);
        var hosts = Int(values, "--hosts", 4, 1, streams);
        long? records = values.ContainsKey("--records") ? Long(values, "--records", 0, 1, long.MaxValue / 2) : null;
        TimeSpan? duration = values.ContainsKey("--duration") || records is null ? Seconds(values, "--duration", 10, 0.1) : null;
        if (records is not null && duration is not null)
        {
            throw new FormatException("give either --duration or --records, not both");
        }

        var runId = values.GetValueOrDefault("--run-id") ?? NewRunId();
        if (runId.Length is 0 or > 24 || !runId.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9')))
        {
            throw new FormatException($"--run-id must be 1 to 24 lowercase letters or digits, got '{runId}'");
        }

        return new LoadGenOptions
        {
            Target = target,
            AdminKey = adminKey,
            Hosts = hosts,
            Streams = streams,
            BatchSize = Int(values, "--batch-size", 500, 1, 10_000),
            Duration = duration,
            TotalRecords = records,
            Rate = Double(values, "--rate", 0, 0),
            Warmup = Seconds(values, "--warmup", duration is null ? 0 : 2, 0),
            Models = Int(values, "--models", 20, 1, 10_000),
            InFlight = Int(values, "--in-flight", 32, 1, 10_000),
            Connections = Int(values, "--connections", 2, 1, streams),
            Templates = Int(values, "--templates", 16, 1, 1024),
            JsonPath = values.GetValueOrDefault("--json"),
            RunId = runId,
            WaitReady = Seconds(values, "--wait-ready", 0, 0),
            WatchedProcesses = watched,
            DrainTimeout = Seconds(values, "--drain-timeout", 60, 1),
            Progress = progress,
        };
    }

    private static string NewRunId()
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";
        return string.Create(6, 0, static (span, _) =>
        {
            span[0] = alphabet[Random.Shared.Next(26)];
            for (var i = 1; i < span.Length; i++)
            {
                span[i] = alphabet[Random.Shared.Next(alphabet.Length)];
            }
        });
    }

    private static int Int(Dictionary<string, string> values, string name, int fallback, int min, int max)
        => (int)Long(values, name, fallback, min, max);

    private static long Long(Dictionary<string, string> values, string name, long fallback, long min, long max)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        var normalized = text.Replace("_", string.Empty, StringComparison.Ordinal).Replace(",", string.Empty, StringComparison.Ordinal);
        if (!long.TryParse(normalized, NumberStyles.None, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw new FormatException($"{name} must be a whole number from {min:N0} to {max:N0}, got '{text}'");
        }

        return value;
    }

    private static double Double(Dictionary<string, string> values, string name, double fallback, double min)
    {
        if (!values.TryGetValue(name, out var text))
        {
            return fallback;
        }

        var normalized = text.Replace("_", string.Empty, StringComparison.Ordinal).Replace(",", string.Empty, StringComparison.Ordinal);
        if (!double.TryParse(normalized, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || !double.IsFinite(value) || value < min)
        {
            throw new FormatException($"{name} must be a number >= {min}, got '{text}'");
        }

        return value;
    }

    private static TimeSpan Seconds(Dictionary<string, string> values, string name, double fallback, double min)
    {
        var seconds = Double(values, name, fallback, min);
        return TimeSpan.FromSeconds(seconds);
    }
}
