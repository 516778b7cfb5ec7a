namespace Metering.Chaos;

/// <summary>One cycle: the fault, what the gateways had delivered and what the service counted.</summary>
public sealed record ChaosCycleResult(int Cycle, ChaosFault Fault, long RecordsDelivered, long RecordsCounted, long Discrepancy, IReadOnlyList<string> Mismatches);
