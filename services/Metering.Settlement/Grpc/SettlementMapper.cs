using Google.Protobuf.WellKnownTypes;
using Metering.Domain.Settlement;
using Grpc.Core;
using Metering.ServiceDefaults;
using Wire = Metering.Contracts.V1;

namespace Metering.Settlement.Grpc;

/// <summary>Maps between the wire messages of metering.v1 settlement and the domain types.</summary>
internal static class SettlementMapper
{
    public static AgreementInput ToInput(Wire.Agreement? agreement)
    {
        agreement ??= new Wire.Agreement();
        return new AgreementInput(
            agreement.HostId,
            agreement.EffectiveMonth,
            agreement.Currency,
            agreement.RevenueBasis switch
            {
                Wire.RevenueBasis.Reported => RevenueBasis.Reported,
                Wire.RevenueBasis.RateCard => RevenueBasis.RateCard,
                _ => null,
            },
            agreement.RateCard.Select(r => new RateCardEntryInput(r.Model, r.PricePerMillionInputTokens, r.PricePerMillionOutputTokens, r.PricePerThousandRequests)).ToList(),
            agreement.ShareTiers.Select(t => new ShareTierInput(t.FromAmount, t.SharePercent)).ToList(),
            agreement.MinimumPayment);
    }

    /// <summary>A required "YYYY-MM" field; INVALID_ARGUMENT naming <paramref name="field"/> otherwise.</summary>
    public static YearMonth ParseMonth(string text, string field)
    {
        if (text.Length == 0)
        {
            throw RpcErrors.InvalidField(field, "is required (\"YYYY-MM\")", SettlementReasons.Required);
        }

        return YearMonth.TryParse(text, out var month)
            ? month
            : throw RpcErrors.InvalidField(field, $"must be a month \"YYYY-MM\", not \"{text}\"", SettlementReasons.InvalidFormat);
    }

    /// <summary>An optional "YYYY-MM" field (empty: null).</summary>
    public static YearMonth? ParseOptionalMonth(string text, string field) => text.Length == 0 ? null : ParseMonth(text, field);

    public static Wire.Agreement ToWire(Agreement agreement)
    {
        var terms = agreement.Terms;
        var wire = new Wire.Agreement
        {
            AgreementId = agreement.AgreementId,
            HostId = agreement.HostId,
            EffectiveMonth = agreement.EffectiveMonth.ToString(),
            Currency = terms.Currency.Code,
            RevenueBasis = ToWire(terms.Basis),
            MinimumPayment = terms.MinimumPayment is { } minimum ? DecimalText.Format(minimum) : string.Empty,
            CreatedAt = Timestamp.FromDateTime(agreement.CreatedAt),
            UpdatedAt = Timestamp.FromDateTime(agreement.UpdatedAt),
        };
        wire.RateCard.AddRange(terms.RateCard.Select(r => new Wire.RateCardEntry
        {
            Model = r.Model,
            PricePerMillionInputTokens = DecimalText.Format(r.PricePerMillionInputTokens),
            PricePerMillionOutputTokens = DecimalText.Format(r.PricePerMillionOutputTokens),
            PricePerThousandRequests = DecimalText.Format(r.PricePerThousandRequests),
        }));
        wire.ShareTiers.AddRange(terms.Tiers.Select(t => new Wire.ShareTier { FromAmount = DecimalText.Format(t.FromAmount), SharePercent = DecimalText.Format(t.SharePercent) }));
        return wire;
    }

    public static Wire.Statement ToWire(Statement statement)
    {
        var minor = statement.Currency.MinorUnits;
        var wire = new Wire.Statement
        {
            StatementId = statement.StatementId,
            HostId = statement.HostId,
            Period = statement.Period.ToString(),
            Status = statement.Status == StatementStatus.Final ? Wire.StatementStatus.Final : Wire.StatementStatus.Draft,
            AgreementId = statement.AgreementId,
            Currency = statement.Currency.Code,
            RevenueBasis = ToWire(statement.RevenueBasis),
            GrossRevenue = Line(statement.GrossRevenue),
            ShareAmount = Line(statement.ShareAmount),
            MinimumPayment = statement.MinimumPayment is { } minimum ? DecimalText.Format(minimum) : string.Empty,
            MinimumApplied = statement.MinimumApplied,
            PeriodAmountOwed = DecimalText.Format(statement.PeriodAmountOwed, minor),
            AmountOwed = DecimalText.Format(statement.AmountOwed, minor),
            HasUnpricedLines = statement.HasUnpricedLines,
            ComputedAt = Timestamp.FromDateTime(statement.ComputedAt),
            FinalizedAt = statement.FinalizedAt is { } finalized ? Timestamp.FromDateTime(finalized) : null,
        };
        wire.Lines.AddRange(statement.Lines.Select(l => new Wire.StatementLine
        {
            Kind = l.Kind == StatementLineKind.Adjustment ? Wire.StatementLineKind.Adjustment : Wire.StatementLineKind.Usage,
            Model = l.Model,
            CorrectsPeriod = l.CorrectsPeriod?.ToString() ?? string.Empty,
            InputTokens = l.Usage.InputTokens,
            OutputTokens = l.Usage.OutputTokens,
            Requests = l.Usage.Requests,
            BilledMicros = l.Usage.BilledMicros,
            GrossRevenue = l.GrossRevenue is { } gross ? Line(gross) : string.Empty,
            Unpriced = l.Unpriced,
            RateCardModel = l.RateCardModel ?? string.Empty,
            CorrectionIds = { l.CorrectionIds },
        }));
        wire.TierApplications.AddRange(statement.TierApplications.Select(t => new Wire.TierApplication
        {
            FromAmount = DecimalText.Format(t.FromAmount),
            ToAmount = t.ToAmount is { } to ? DecimalText.Format(to) : string.Empty,
            SharePercent = DecimalText.Format(t.SharePercent),
            BaseAmount = Line(t.BaseAmount),
            ShareAmount = Line(t.ShareAmount),
        }));
        wire.Adjustments.AddRange(statement.Adjustments.Select(a => new Wire.PeriodAdjustment
        {
            CorrectsPeriod = a.CorrectsPeriod.ToString(),
            CorrectedStatementId = a.CorrectedStatementId,
            GrossRevenue = Line(a.GrossRevenue),
            ShareAmount = Line(a.ShareAmount),
            AmountOwed = DecimalText.Format(a.AmountOwed, minor),
        }));
        return wire;
    }

    public static Wire.RevenueBasis ToWire(RevenueBasis basis)
        => basis == RevenueBasis.Reported ? Wire.RevenueBasis.Reported : Wire.RevenueBasis.RateCard;

    private static string Line(decimal amount) => DecimalText.Format(amount, Money.LineScale);
}
