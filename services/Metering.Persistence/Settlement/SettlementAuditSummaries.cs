using System.Text.Json.Nodes;
using Metering.Domain.Settlement;
using Metering.Persistence.Audit;

namespace Metering.Persistence.Settlement;

/// <summary>
/// The before/after objects of settlement audit events: an agreement's terms, a statement's figures (not its lines).
/// Amounts are decimal strings and times ISO 8601 UTC (<see cref="AuditLog.Decimal"/>, <see cref="AuditLog.Time"/>).
/// </summary>
public static class SettlementAuditSummaries
{
    /// <summary>An agreement: its id, host, month, revision and every term.</summary>
    public static JsonObject Agreement(Agreement agreement)
    {
        var rateCard = new JsonArray();
        foreach (var entry in agreement.Terms.RateCard)
        {
            rateCard.Add(new JsonObject
            {
                ["model"] = entry.Model,
                ["price_per_million_input_tokens"] = AuditLog.Decimal(entry.PricePerMillionInputTokens),
                ["price_per_million_output_tokens"] = AuditLog.Decimal(entry.PricePerMillionOutputTokens),
                ["price_per_thousand_requests"] = AuditLog.Decimal(entry.PricePerThousandRequests),
            });
        }

        var tiers = new JsonArray();
        foreach (var tier in agreement.Terms.Tiers)
        {
            tiers.Add(new JsonObject { ["from_amount"] = AuditLog.Decimal(tier.FromAmount), ["share_percent"] = AuditLog.Decimal(tier.SharePercent) });
        }

        return new JsonObject
        {
            ["agreement_id"] = agreement.AgreementId,
            ["host_id"] = agreement.HostId,
            ["effective_month"] = agreement.EffectiveMonth.ToString(),
            ["currency"] = agreement.Terms.Currency.Code,
            ["revenue_basis"] = SettlementCodes.Of(agreement.Terms.Basis),
            ["rate_card"] = rateCard,
            ["share_tiers"] = tiers,
            ["minimum_payment"] = agreement.Terms.MinimumPayment is { } minimum ? AuditLog.Decimal(minimum) : null,
            ["revision"] = agreement.Revision,
            ["updated_at"] = AuditLog.Time(agreement.UpdatedAt),
        };
    }

    /// <summary>A statement's identity, status and totals.</summary>
    public static JsonObject Statement(Statement statement) => new()
    {
        ["statement_id"] = statement.StatementId,
        ["host_id"] = statement.HostId,
        ["period"] = statement.Period.ToString(),
        ["status"] = SettlementCodes.Of(statement.Status),
        ["agreement_id"] = statement.AgreementId,
        ["currency"] = statement.Currency.Code,
        ["gross_revenue"] = AuditLog.Decimal(statement.GrossRevenue),
        ["share_amount"] = AuditLog.Decimal(statement.ShareAmount),
        ["minimum_applied"] = statement.MinimumApplied,
        ["adjustments"] = statement.Adjustments.Count,
        ["amount_owed"] = AuditLog.Decimal(statement.AmountOwed),
        ["has_unpriced_lines"] = statement.HasUnpricedLines,
        ["computed_at"] = AuditLog.Time(statement.ComputedAt),
        ["computed_revision"] = statement.ComputedRevision,
        ["finalized_at"] = statement.FinalizedAt is { } finalized ? AuditLog.Time(finalized) : null,
    };
}
