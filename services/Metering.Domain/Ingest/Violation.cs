namespace Metering.Domain.Ingest;

/// <summary>One problem with one field of a batch: a path like "records[3].model", a reason code and a sentence.</summary>
public sealed record Violation(string Field, string Reason, string Description);
