namespace Metering.Domain.Settlement;

/// <summary>Usage counters of one model over a period (or, in an adjustment, the difference of two such totals).</summary>
public readonly record struct UsageTotals(long InputTokens, long OutputTokens, long Requests, long BilledMicros)
{
    public bool IsZero => InputTokens == 0 && OutputTokens == 0 && Requests == 0 && BilledMicros == 0;

    public static UsageTotals operator +(UsageTotals left, UsageTotals right)
        => new(checked(left.InputTokens + right.InputTokens), checked(left.OutputTokens + right.OutputTokens), checked(left.Requests + right.Requests), checked(left.BilledMicros + right.BilledMicros));

    public static UsageTotals operator -(UsageTotals left, UsageTotals right)
        => new(checked(left.InputTokens - right.InputTokens), checked(left.OutputTokens - right.OutputTokens), checked(left.Requests - right.Requests), checked(left.BilledMicros - right.BilledMicros));
}
