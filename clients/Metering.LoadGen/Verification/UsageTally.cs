using Metering.LoadGen.Workload;

namespace Metering.LoadGen.Verification;

/// <summary>
/// What one stream's ACCEPTED batches added, per model: the numbers GetUsage must show. Written by the stream's ack
/// reader only; read after the stream is done.
/// </summary>
internal sealed class UsageTally
{
    public UsageTally(int models)
    {
        InputTokens = new long[models];
        OutputTokens = new long[models];
        Requests = new long[models];
        BilledMicros = new long[models];
    }

    public long[] InputTokens { get; }

    public long[] OutputTokens { get; }

    public long[] Requests { get; }

    public long[] BilledMicros { get; }

    /// <summary>Records of the ACCEPTED batches, counted from what was sent (not from the acks).</summary>
    public long Records { get; private set; }

    public void Add(BatchTemplate batch)
    {
        var models = batch.Models;
        for (var j = 0; j < models.Length; j++)
        {
            var m = models[j];
            InputTokens[m] += batch.InputTokens[j];
            OutputTokens[m] += batch.OutputTokens[j];
            Requests[m] += batch.Requests[j];
            BilledMicros[m] += batch.BilledMicros[j];
        }

        Records += batch.RecordCount;
    }

    public void Add(UsageTally other)
    {
        for (var m = 0; m < InputTokens.Length; m++)
        {
            InputTokens[m] += other.InputTokens[m];
            OutputTokens[m] += other.OutputTokens[m];
            Requests[m] += other.Requests[m];
            BilledMicros[m] += other.BilledMicros[m];
        }

        Records += other.Records;
    }
}
