namespace Metering.Domain.Settlement;

/// <summary>One problem with one field: a path relative to the request ("agreement.share_tiers[1].from_amount"), a reason code and a sentence.</summary>
public sealed record SettlementViolation(string Field, string Reason, string Description);
