using Metering.Domain.Settlement;
using Metering.Persistence.Audit;
using Metering.Persistence.Settlement;

namespace Metering.Settlement.Application;

/// <summary>UpsertAgreement: validates the agreement, checks it against what is stored, stores it (with its audit event).</summary>
internal sealed class AgreementService
{
    private readonly AgreementRepository _agreements;
    private readonly TimeProvider _time;

    public AgreementService(AgreementRepository agreements, TimeProvider time)
    {
        _agreements = agreements;
        _time = time;
    }

    public async Task<(Agreement Agreement, bool Created)> UpsertAsync(AgreementInput input, AuditActor actor, CancellationToken cancellationToken)
    {
        var validation = AgreementValidator.Validate(input);
        if (!validation.IsValid)
        {
            throw SettlementFailure.Invalid(validation.Violations);
        }

        var month = validation.EffectiveMonth;
        var terms = validation.Terms!;
        AgreementUpsertResult result;
        try
        {
            result = await _agreements.UpsertAsync(validation.HostId, month, terms, _time.UtcNowMicroseconds(), actor, context => AgreementChangeRules.Check(month, terms, context), cancellationToken);
        }
        catch (FinalStatementChangeException ex)
        {
            throw SettlementFailure.Precondition($"agreement.effective_month: {ex.Message}");
        }

        if (!result.HostFound)
        {
            throw SettlementFailure.NotFound($"host_id '{validation.HostId}' does not exist.");
        }

        if (result.Rejection is { } rejection)
        {
            throw SettlementFailure.Precondition(rejection);
        }

        return (result.Agreement!, result.Created);
    }
}
