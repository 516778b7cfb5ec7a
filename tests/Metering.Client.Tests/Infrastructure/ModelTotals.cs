namespace Metering.Client.Tests.Infrastructure;

/// <summary>Sums of the records of one model.</summary>
public sealed record ModelTotals
{
    public long Records { get; set; }

    public long InputTokens { get; set; }

    public long OutputTokens { get; set; }

    public long Requests { get; set; }

    public long BilledMicros { get; set; }
}
