namespace Metering.LoadGen.Verification;

/// <summary>Outcome of the exactly-once check.</summary>
/// <param name="Passed">The first GetUsage read equals the ACCEPTED tally for every host and model.</param>
/// <param name="RecordsCounted">Records GetUsage counts for the run's hosts (the sum of requests; one per record).</param>
/// <param name="RowsCompared">(host, model) pairs compared.</param>
/// <param name="Mismatches">Every difference found in the first read, e.g. "lg-x-aws acme/coder-33b input_tokens: accepted 10, counted 12".</param>
/// <param name="Note">Extra context, e.g. that a later read agreed (a transient query inconsistency) or why the check was not exact.</param>
internal sealed record VerificationResult(bool Passed, long RecordsCounted, int RowsCompared, IReadOnlyList<string> Mismatches, string? Note);
