namespace Metering.Domain.Settlement;

/// <summary>
/// An agreement as submitted, before validation: amounts are still decimal strings and the basis is null when
/// unspecified or unknown. <see cref="AgreementValidator"/> turns it into <see cref="AgreementTerms"/>.
/// </summary>
public sealed record AgreementInput(
    string HostId,
    string EffectiveMonth,
    string Currency,
    RevenueBasis? RevenueBasis,
    IReadOnlyList<RateCardEntryInput> RateCard,
    IReadOnlyList<ShareTierInput> ShareTiers,
    string MinimumPayment);
