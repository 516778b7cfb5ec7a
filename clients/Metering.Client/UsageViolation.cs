namespace Metering.Client;

/// <summary>One problem the server found in a rejected batch (a <c>google.rpc.BadRequest.FieldViolation</c>).</summary>
/// <param name="Field">Path relative to the request, for example <c>records[3].model</c>.</param>
/// <param name="Reason">UPPER_SNAKE_CASE reason, for example <c>MODEL_INVALID</c> or <c>EVENT_TIME_TOO_OLD</c>.</param>
/// <param name="Description">Human-readable description.</param>
public sealed record UsageViolation(string Field, string Reason, string Description);
