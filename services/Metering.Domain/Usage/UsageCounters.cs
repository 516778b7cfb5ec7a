namespace Metering.Domain.Usage;

/// <summary>Summed usage of some records: tokens, requests, billed micros and how many records.</summary>
public struct UsageCounters
{
    public long InputTokens;
    public long OutputTokens;
    public long Requests;
    public long BilledMicros;
    public long Records;

    public UsageCounters(long inputTokens, long outputTokens, long requests, long billedMicros, long records)
    {
        InputTokens = inputTokens;
        OutputTokens = outputTokens;
        Requests = requests;
        BilledMicros = billedMicros;
        Records = records;
    }

    public void Add(in UsageCounters other)
    {
        InputTokens += other.InputTokens;
        OutputTokens += other.OutputTokens;
        Requests += other.Requests;
        BilledMicros += other.BilledMicros;
        Records += other.Records;
    }

    public readonly bool IsZero => InputTokens == 0 && OutputTokens == 0 && Requests == 0 && BilledMicros == 0 && Records == 0;
}
