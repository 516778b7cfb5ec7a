using Grpc.Core;
using Metering.Contracts.V1;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>SettlementService answering every call with a fixed result, after <see cref="CallLog.Authorize"/>.</summary>
public sealed class FakeSettlementService(CallLog log) : SettlementService.SettlementServiceBase
{
    public override Task<UpsertAgreementResponse> UpsertAgreement(UpsertAgreementRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new UpsertAgreementResponse { Agreement = request.Agreement, Created = true });
    }

    public override Task<ListAgreementsResponse> ListAgreements(ListAgreementsRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new ListAgreementsResponse());
    }

    public override Task<RunSettlementResponse> RunSettlement(RunSettlementRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new RunSettlementResponse());
    }

    public override Task<GetStatementResponse> GetStatement(GetStatementRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new GetStatementResponse { Statement = new Statement { StatementId = request.StatementId } });
    }

    public override Task<ListStatementsResponse> ListStatements(ListStatementsRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new ListStatementsResponse());
    }

    public override Task<FinalizeStatementResponse> FinalizeStatement(FinalizeStatementRequest request, ServerCallContext context)
    {
        log.Authorize(context);
        return Task.FromResult(new FinalizeStatementResponse { Statement = new Statement { StatementId = request.StatementId } });
    }
}
