using System.Globalization;
using Metering.Contracts.V1;
using Metering.Domain.Settlement;
using Grpc.Core;
using Metering.ServiceDefaults;
using Metering.Persistence.Settlement;
using Metering.Security;
using Metering.Settlement.Application;
using DomainStatement = Metering.Domain.Settlement.Statement;
using DomainStatus = Metering.Domain.Settlement.StatementStatus;

namespace Metering.Settlement.Grpc;

/// <summary>metering.v1.SettlementService: validates and maps requests, calls the settlement layer, maps back.</summary>
internal sealed class SettlementGrpcService : SettlementService.SettlementServiceBase
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    private readonly AgreementService _agreementService;
    private readonly AgreementRepository _agreements;
    private readonly SettlementEngine _engine;
    private readonly StatementRepository _statements;
    private readonly StatementFinalizer _finalizer;

    public SettlementGrpcService(AgreementService agreementService, AgreementRepository agreements, SettlementEngine engine, StatementRepository statements, StatementFinalizer finalizer)
    {
        _agreementService = agreementService;
        _agreements = agreements;
        _engine = engine;
        _statements = statements;
        _finalizer = finalizer;
    }

    public override async Task<UpsertAgreementResponse> UpsertAgreement(UpsertAgreementRequest request, ServerCallContext context)
    {
        var (agreement, created) = await SettlementErrors.MapAsync(() => _agreementService.UpsertAsync(SettlementMapper.ToInput(request.Agreement), context.GetCaller().AuditActor, context.CancellationToken));
        return new UpsertAgreementResponse { Agreement = SettlementMapper.ToWire(agreement), Created = created };
    }

    public override async Task<ListAgreementsResponse> ListAgreements(ListAgreementsRequest request, ServerCallContext context)
    {
        var size = PageCursor.PageSize(request.PageSize, DefaultPageSize, MaxPageSize);
        var inForce = SettlementMapper.ParseOptionalMonth(request.InForceMonth, "in_force_month");
        (string, YearMonth)? after = PageCursor.Read(request, request.PageToken, 2) is { } key ? (key[0], TokenMonth(key[1])) : null;
        var hosts = request.HostIds.Count > 0 ? request.HostIds.Distinct(StringComparer.Ordinal).ToList() : null;
        var page = await _agreements.ListAsync(new AgreementListQuery(hosts, inForce, after, size + 1), context.CancellationToken);
        var response = new ListAgreementsResponse();
        response.Agreements.AddRange(page.Take(size).Select(SettlementMapper.ToWire));
        if (page.Count > size)
        {
            var last = page[size - 1];
            response.NextPageToken = PageCursor.Make(request, last.HostId, last.EffectiveMonth.ToString());
        }

        return response;
    }

    public override async Task<RunSettlementResponse> RunSettlement(RunSettlementRequest request, ServerCallContext context)
    {
        var period = SettlementMapper.ParseMonth(request.Period, "period");
        var result = await SettlementErrors.MapAsync(() => _engine.RunAsync(period, request.HostIds, context.GetCaller().AuditActor, context.CancellationToken));
        var response = new RunSettlementResponse();
        response.Statements.AddRange(result.Statements.Select(SettlementMapper.ToWire));
        response.Skipped.AddRange(result.Skipped.Select(s => new SettlementSkip
        {
            HostId = s.HostId,
            Reason = s.Reason == Application.SettlementSkipReason.Final ? Contracts.V1.SettlementSkipReason.Final : Contracts.V1.SettlementSkipReason.NoAgreement,
        }));
        return response;
    }

    public override async Task<GetStatementResponse> GetStatement(GetStatementRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        DomainStatement? statement;
        switch (request.SelectorCase)
        {
            case GetStatementRequest.SelectorOneofCase.StatementId:
                if (request.StatementId.Length == 0)
                {
                    throw RpcErrors.InvalidField("statement_id", "is required", SettlementReasons.Required);
                }

                statement = await _statements.GetAsync(request.StatementId, context.CancellationToken)
                    ?? throw RpcErrors.Plain(StatusCode.NotFound, $"statement_id '{request.StatementId}' does not exist.");
                caller.EnsureCanRead(statement.HostId);
                break;
            case GetStatementRequest.SelectorOneofCase.HostPeriod:
                if (request.HostPeriod.HostId.Length == 0)
                {
                    throw RpcErrors.InvalidField("host_period.host_id", "is required", SettlementReasons.Required);
                }

                var period = SettlementMapper.ParseMonth(request.HostPeriod.Period, "host_period.period");
                caller.EnsureCanRead(request.HostPeriod.HostId);
                statement = await _statements.GetAsync(request.HostPeriod.HostId, period, context.CancellationToken)
                    ?? throw RpcErrors.Plain(StatusCode.NotFound, $"host '{request.HostPeriod.HostId}' has no statement for {period}.");
                break;
            default:
                throw RpcErrors.InvalidField("selector", "set statement_id or host_period", SettlementReasons.Required);
        }

        return new GetStatementResponse { Statement = SettlementMapper.ToWire(statement) };
    }

    public override async Task<ListStatementsResponse> ListStatements(ListStatementsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var size = PageCursor.PageSize(request.PageSize, DefaultPageSize, MaxPageSize);
        var from = SettlementMapper.ParseOptionalMonth(request.PeriodFrom, "period_from");
        var to = SettlementMapper.ParseOptionalMonth(request.PeriodTo, "period_to");
        if (from is { } lower && to is { } upper && upper < lower)
        {
            throw RpcErrors.InvalidField("period_to", "must not be before period_from", SettlementReasons.OutOfRange);
        }

        DomainStatus? status = request.Status switch
        {
            Contracts.V1.StatementStatus.Unspecified => null,
            Contracts.V1.StatementStatus.Draft => DomainStatus.Draft,
            Contracts.V1.StatementStatus.Final => DomainStatus.Final,
            _ => throw RpcErrors.InvalidField("status", string.Create(CultureInfo.InvariantCulture, $"unknown value {(int)request.Status}"), SettlementReasons.InvalidFormat),
        };

        IReadOnlyCollection<string>? hosts = request.HostIds.Count > 0 ? request.HostIds.Distinct(StringComparer.Ordinal).ToList() : null;
        if (caller.Role == CallerRole.Host)
        {
            foreach (var host in hosts ?? [])
            {
                caller.EnsureCanRead(host);
            }

            hosts = [caller.HostId!];
        }

        (YearMonth, string)? after = PageCursor.Read(request, request.PageToken, 2) is { } key ? (TokenMonth(key[0]), key[1]) : null;
        var page = await _statements.ListAsync(new StatementListQuery(hosts, from, to, status, after, size + 1), context.CancellationToken);
        var response = new ListStatementsResponse();
        response.Statements.AddRange(page.Take(size).Select(SettlementMapper.ToWire));
        if (page.Count > size)
        {
            var last = page[size - 1];
            response.NextPageToken = PageCursor.Make(request, last.Period.ToString(), last.HostId);
        }

        return response;
    }

    public override async Task<FinalizeStatementResponse> FinalizeStatement(FinalizeStatementRequest request, ServerCallContext context)
    {
        if (request.StatementId.Length == 0)
        {
            throw RpcErrors.InvalidField("statement_id", "is required", SettlementReasons.Required);
        }

        DateTime? expected = request.ExpectedComputedAt?.ToDateTime();
        var statement = await SettlementErrors.MapAsync(() => _finalizer.FinalizeAsync(request.StatementId, request.AllowUnpriced, expected, context.GetCaller().AuditActor, context.CancellationToken));
        return new FinalizeStatementResponse { Statement = SettlementMapper.ToWire(statement) };
    }

    private static YearMonth TokenMonth(string text)
        => YearMonth.TryParse(text, out var month) ? month : throw RpcErrors.InvalidField("page_token", "is not a token of this request", "INVALID_PAGE_TOKEN");
}
