namespace Metering.Domain.Settlement;

/// <summary>
/// A host's terms effective from the first day of <see cref="EffectiveMonth"/> until its next agreement.
/// <see cref="Revision"/> changes on every replacement, so a statement can tell whether it was computed with the
/// terms now in force.
/// </summary>
public sealed record Agreement(
    string AgreementId,
    string HostId,
    YearMonth EffectiveMonth,
    AgreementTerms Terms,
    DateTime CreatedAt,
    DateTime UpdatedAt,
    long Revision);
