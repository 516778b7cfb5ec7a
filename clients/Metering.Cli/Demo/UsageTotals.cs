namespace Metering.Cli.Demo;

/// <summary>Summed counters of some usage.</summary>
internal readonly record struct UsageTotals(long Requests, long InputTokens, long OutputTokens, long BilledMicros)
{
    public long Tokens => InputTokens + OutputTokens;

    public static UsageTotals operator +(UsageTotals a, UsageTotals b)
        => new(a.Requests + b.Requests, a.InputTokens + b.InputTokens, a.OutputTokens + b.OutputTokens, a.BilledMicros + b.BilledMicros);

    public static UsageTotals operator -(UsageTotals a, UsageTotals b)
        => new(a.Requests - b.Requests, a.InputTokens - b.InputTokens, a.OutputTokens - b.OutputTokens, a.BilledMicros - b.BilledMicros);

    public static UsageTotals operator -(UsageTotals a) => new(-a.Requests, -a.InputTokens, -a.OutputTokens, -a.BilledMicros);

    public static UsageTotals operator *(UsageTotals a, long factor)
        => new(a.Requests * factor, a.InputTokens * factor, a.OutputTokens * factor, a.BilledMicros * factor);

    /// <summary>Each counter divided by <paramref name="divisor"/>, rounded toward zero.</summary>
    public static UsageTotals operator /(UsageTotals a, long divisor)
        => new(a.Requests / divisor, a.InputTokens / divisor, a.OutputTokens / divisor, a.BilledMicros / divisor);
}
