using Metering.LoadGen.Metrics;
using Metering.LoadGen.Verification;

namespace Metering.LoadGen.Reporting;

/// <summary>The figures of a finished run.</summary>
internal sealed class RunSummary
{
    public required string RunId { get; init; }

    public required LoadGenOptions Options { get; init; }

    public required IReadOnlyList<string> Hosts { get; init; }

    public long BatchesSent { get; init; }

    public long RecordsSent { get; init; }

    public long BatchesAcked { get; init; }

    /// <summary>Sum of records_accepted over all acks.</summary>
    public long RecordsAcked { get; init; }

    /// <summary>Records of the ACCEPTED batches, counted from what was sent.</summary>
    public long RecordsTallied { get; init; }

    /// <summary>records_accepted of the batches sent after the warm-up; divided by <see cref="MeasuredSeconds"/> it is the rate.</summary>
    public long RecordsAckedMeasured { get; init; }

    /// <summary>From the end of the warm-up to the last ack (so the drain of the last window counts as time).</summary>
    public double MeasuredSeconds { get; init; }

    public double RecordsPerSecond => MeasuredSeconds > 0 ? RecordsAckedMeasured / MeasuredSeconds : 0;

    public required LatencySummary Latency { get; init; }

    /// <summary>How late sends were against the schedule (fixed rate only), whatever the cause.</summary>
    public required LatencySummary SendLag { get; init; }

    /// <summary>How late the pacing sleeps woke (fixed rate only): the load generator's own share of <see cref="SendLag"/>.</summary>
    public required LatencySummary TimerLag { get; init; }

    public long Duplicates { get; init; }

    public long Rejected { get; init; }

    public long AcceptedCountMismatches { get; init; }

    public long InDoubtBatches { get; init; }

    public required IReadOnlyList<string> StreamFailures { get; init; }

    public string? FirstRejection { get; init; }

    public CpuUsage? Cpu { get; init; }

    public VerificationResult? Verification { get; init; }

    /// <summary>True when the run itself went wrong, whatever the exactly-once check says.</summary>
    public bool RunFailed => StreamFailures.Count > 0 || Rejected > 0 || Duplicates > 0 || AcceptedCountMismatches > 0;

    public int ExitCode => RunFailed ? ExitCodes.RunFailed : Verification is { Passed: true } ? ExitCodes.Pass : ExitCodes.ExactlyOnceMismatch;
}
