using Metering.LoadGen.Metrics;

namespace Metering.LoadGen;

/// <summary>Settings of one load run, built by <see cref="LoadGenCommandLine"/> from a command line that passed its validation.</summary>
internal sealed class LoadGenOptions
{
    public required Uri Target { get; init; }

    public required string AdminKey { get; init; }

    /// <summary>Hosts to create; the streams are spread over them.</summary>
    public required int Hosts { get; init; }

    /// <summary>Concurrent streams (producers).</summary>
    public required int Streams { get; init; }

    /// <summary>Records per message.</summary>
    public required int BatchSize { get; init; }

    /// <summary>Measured sending time; null with <see cref="TotalRecords"/>.</summary>
    public required TimeSpan? Duration { get; init; }

    /// <summary>Exact number of records to send; null in duration mode.</summary>
    public required long? TotalRecords { get; init; }

    /// <summary>Records/s over all streams; 0 = as fast as the window allows.</summary>
    public required double Rate { get; init; }

    /// <summary>Sending before the measurement starts.</summary>
    public required TimeSpan Warmup { get; init; }

    /// <summary>Distinct model names.</summary>
    public required int Models { get; init; }

    /// <summary>Unacknowledged batches per stream.</summary>
    public required int InFlight { get; init; }

    /// <summary>HTTP/2 connections.</summary>
    public required int Connections { get; init; }

    /// <summary>Distinct pre-encoded batches per stream.</summary>
    public required int Templates { get; init; }

    public required string? JsonPath { get; init; }

    public required string RunId { get; init; }

    /// <summary>How long to wait for the service to report SERVING; zero = no wait.</summary>
    public required TimeSpan WaitReady { get; init; }

    /// <summary>Other processes whose CPU use is reported.</summary>
    public required IReadOnlyList<WatchedProcess> WatchedProcesses { get; init; }

    /// <summary>How long to wait for the remaining acks once sending stops.</summary>
    public required TimeSpan DrainTimeout { get; init; }

    /// <summary>Whether to print the progress line each second.</summary>
    public required bool Progress { get; init; }

    /// <summary>A random run id: a letter, then five letters or digits.</summary>
    public static string NewRunId()
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
}
