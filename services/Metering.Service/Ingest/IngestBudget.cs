using Microsoft.Extensions.Options;

namespace Metering.Service.Ingest;

/// <summary>
/// Batches of all streams and calls waiting for Redis (<see cref="IngestOptions.MaxInFlightBatches"/>): one budget
/// for the process, so a slow Redis stops the reading of every stream and slows the senders.
/// </summary>
internal sealed class IngestBudget(IOptions<IngestOptions> options)
{
    private readonly int _limit = options.Value.MaxInFlightBatches;
    private readonly SemaphoreSlim _slots = new(options.Value.MaxInFlightBatches);

    /// <summary>Slots taken now.</summary>
    public int InFlight => _limit - _slots.CurrentCount;

    /// <summary>Takes one slot; waits while every slot is taken.</summary>
    public Task WaitAsync(CancellationToken cancellationToken) => _slots.WaitAsync(cancellationToken);

    /// <summary>Returns a slot once the batch's commit has completed (or failed).</summary>
    public void Release() => _slots.Release();
}
