namespace Metering.Domain.Settlement;

/// <summary>
/// What finalizing a statement is checked against: the statement as stored, the host's agreement in force for its
/// period now, and the latest store revision at which any statement of the host became FINAL.
/// </summary>
public sealed record FinalizeContext(Statement Statement, Agreement? AgreementInForce, long LatestFinalizedRevisionOfHost);
