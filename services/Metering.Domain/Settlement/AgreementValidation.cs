namespace Metering.Domain.Settlement;

/// <summary>What <see cref="AgreementValidator"/> found: the parsed agreement, or every violation (never both).</summary>
public sealed record AgreementValidation(string HostId, YearMonth EffectiveMonth, AgreementTerms? Terms, IReadOnlyList<SettlementViolation> Violations)
{
    public bool IsValid => Terms is not null;
}
