namespace Metering.Client.Internal;

/// <summary>A <see cref="UsageReporter.FlushAsync"/> waiting for every sequence up to <see cref="Target"/> to be resolved.</summary>
internal sealed class FlushWaiter
{
    public FlushWaiter(ulong target) => Target = target;

    /// <summary>The last sequence the flush covers; moved when batches are renumbered.</summary>
    public ulong Target { get; set; }

    public TaskCompletionSource Completion { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
}
