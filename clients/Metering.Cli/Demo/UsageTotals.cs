namespace Metering.Cli.Demo;

/// <summary>Summed counters of some usage.</summary>
internal readonly record struct UsageTotals(long Requests, long InputTokens, long OutputTokens, long BilledMicros)
{
    public long Tokens => InputTokens + OutputTokens;

    public static UsageTotals operator +(UsageTotals a, UsageTotals b)
        => new(a.Requests + b.Requests, a.InputTokens + b.InputTokens, a.OutputTokens + b.OutputTokens, a.BilledMicros + b.BilledMicros);

    public static UsageTotals operator -(UsageTotals a, UsageTotals b)
        => new(a.Requests - b.Requests, a.InputTokens - b.InputTokens, a.OutputTokens - b.OutputTokens, a.BilledMicros - b.BilledMicros);
}
