using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Domain.Corrections;
using Metering.Domain.Settlement;
using Metering.Persistence.Corrections;
using Metering.Persistence.Settlement;
using Metering.Security;
using Metering.Settlement.Application;
using Metering.ServiceDefaults;
using Microsoft.Extensions.Options;
using DomainCorrectionState = Metering.Domain.Corrections.CorrectionState;
using DomainDisputeState = Metering.Persistence.Corrections.DisputeState;
using WireCorrection = Metering.Contracts.V1.Correction;
using WireCorrectionState = Metering.Contracts.V1.CorrectionState;
using WireDisputeState = Metering.Contracts.V1.DisputeState;

namespace Metering.Settlement.Grpc;

/// <summary>metering.v1.CorrectionService: validates and maps requests, checks a HOST key's host, calls <see cref="CorrectionStore"/>.</summary>
internal sealed class CorrectionGrpcService : CorrectionService.CorrectionServiceBase
{
    private const int DefaultPageSize = 100;
    private const int MaxPageSize = 1000;

    private readonly CorrectionStore _store;
    private readonly StatementRepository _statements;
    private readonly TimeProvider _time;
    private readonly SettlementOptions _options;

    public CorrectionGrpcService(CorrectionStore store, StatementRepository statements, TimeProvider time, IOptions<SettlementOptions> options)
    {
        _store = store;
        _statements = statements;
        _time = time;
        _options = options.Value;
    }

    private DateTime Now => _time.UtcNowMicroseconds();

    public override async Task<ProposeCorrectionResponse> ProposeCorrection(ProposeCorrectionRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        if (request.Correction is null)
        {
            throw RpcErrors.InvalidField("correction", "is required", SettlementReasons.Required);
        }

        var (valid, violations) = CorrectionRequestValidator.Validate(ToInput(request.Correction));
        if (valid is null)
        {
            throw RpcErrors.WithFieldViolations(
                StatusCode.InvalidArgument,
                string.Join("; ", violations.Select(v => $"{v.Field}: {v.Description}")),
                violations.Select(Violation));
        }

        caller.EnsureCanRead(valid.HostId);
        var stored = await MapAsync(() => _store.ProposeAsync(valid, caller.AuditActor, Now, _options.AdjustmentLookbackMonths, context.CancellationToken));
        return new ProposeCorrectionResponse { Correction = ToWire(stored) };
    }

    public override async Task<ApproveCorrectionResponse> ApproveCorrection(ApproveCorrectionRequest request, ServerCallContext context)
    {
        RequireId(request.CorrectionId, "correction_id");
        var stored = await MapAsync(() => _store.ApproveAsync(request.CorrectionId, context.GetCaller().AuditActor, Now, _options.AdjustmentLookbackMonths, context.CancellationToken));
        return new ApproveCorrectionResponse { Correction = ToWire(stored) };
    }

    public override async Task<DeclineCorrectionResponse> DeclineCorrection(DeclineCorrectionRequest request, ServerCallContext context)
    {
        RequireId(request.CorrectionId, "correction_id");
        RequireText(request.Reason, "reason", required: true);
        var stored = await MapAsync(() => _store.DeclineAsync(request.CorrectionId, request.Reason, context.GetCaller().AuditActor, Now, context.CancellationToken));
        return new DeclineCorrectionResponse { Correction = ToWire(stored) };
    }

    public override async Task<ListCorrectionsResponse> ListCorrections(ListCorrectionsRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var size = PageCursor.PageSize(request.PageSize, DefaultPageSize, MaxPageSize);
        var period = SettlementMapper.ParseOptionalMonth(request.Period, "period");
        DomainCorrectionState? state = request.State switch
        {
            WireCorrectionState.Unspecified => null,
            WireCorrectionState.Proposed => DomainCorrectionState.Proposed,
            WireCorrectionState.Approved => DomainCorrectionState.Approved,
            WireCorrectionState.Declined => DomainCorrectionState.Declined,
            _ => throw RpcErrors.InvalidField("state", string.Create(CultureInfo.InvariantCulture, $"unknown value {(int)request.State}"), SettlementReasons.InvalidFormat),
        };
        var host = HostFilter(caller, request.HostId);
        (YearMonth, DateTime, string)? after = PageCursor.Read(request, request.PageToken, 3) is { } key
            ? (TokenMonth(key[0]), TokenTime(key[1]), key[2])
            : null;
        var page = await _store.ListAsync(new CorrectionListQuery(host, period, state, after, size + 1), context.CancellationToken);
        var response = new ListCorrectionsResponse();
        response.Corrections.AddRange(page.Take(size).Select(ToWire));
        if (page.Count > size)
        {
            var last = page[size - 1];
            response.NextPageToken = PageCursor.Make(request, last.Period.ToString(), last.ProposedAt.Ticks.ToString(CultureInfo.InvariantCulture), last.CorrectionId);
        }

        return response;
    }

    public override async Task<AcknowledgeStatementResponse> AcknowledgeStatement(AcknowledgeStatementRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        RequireId(request.StatementId, "statement_id");
        RequireText(request.Message, "message", required: false);
        await EnsureOwnStatementAsync(caller, request.StatementId, context.CancellationToken);
        var stored = await MapAsync(() => _store.AcknowledgeAsync(request.StatementId, request.Message, caller.AuditActor, Now, context.CancellationToken));
        return new AcknowledgeStatementResponse
        {
            Acknowledgement = new StatementAcknowledgement
            {
                StatementId = stored.StatementId,
                HostId = stored.HostId,
                AcknowledgedAt = Timestamp.FromDateTime(stored.AcknowledgedAt),
                ActorKeyId = stored.ActorKeyId,
                Message = stored.Message,
            },
        };
    }

    public override async Task<DisputeStatementResponse> DisputeStatement(DisputeStatementRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        RequireId(request.StatementId, "statement_id");
        RequireText(request.Message, "message", required: true);
        var lines = new List<DisputeLine>(request.Lines.Count);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < request.Lines.Count; i++)
        {
            var field = string.Create(CultureInfo.InvariantCulture, $"lines[{i}]");
            var line = request.Lines[i];
            if (line.Model.Length == 0)
            {
                throw RpcErrors.InvalidField(field + ".model", "is required", SettlementReasons.Required);
            }

            var corrects = SettlementMapper.ParseOptionalMonth(line.CorrectsPeriod, field + ".corrects_period");
            var parsed = new DisputeLine(line.Model, corrects);
            if (!seen.Add(parsed.Key))
            {
                throw RpcErrors.InvalidField(field, "names a line already named", CorrectionReasons.DuplicateLine);
            }

            lines.Add(parsed);
        }

        await EnsureOwnStatementAsync(caller, request.StatementId, context.CancellationToken);
        var stored = await MapAsync(() => _store.DisputeAsync(request.StatementId, lines, request.Message, caller.AuditActor, Now, context.CancellationToken));
        return new DisputeStatementResponse { Dispute = ToWire(stored) };
    }

    public override async Task<ListDisputesResponse> ListDisputes(ListDisputesRequest request, ServerCallContext context)
    {
        var caller = context.GetCaller();
        var size = PageCursor.PageSize(request.PageSize, DefaultPageSize, MaxPageSize);
        DomainDisputeState? state = request.State switch
        {
            WireDisputeState.Unspecified => null,
            WireDisputeState.Open => DomainDisputeState.Open,
            WireDisputeState.Resolved => DomainDisputeState.Resolved,
            WireDisputeState.Rejected => DomainDisputeState.Rejected,
            _ => throw RpcErrors.InvalidField("state", string.Create(CultureInfo.InvariantCulture, $"unknown value {(int)request.State}"), SettlementReasons.InvalidFormat),
        };
        var host = HostFilter(caller, request.HostId);
        (DateTime, string)? after = PageCursor.Read(request, request.PageToken, 2) is { } key ? (TokenTime(key[0]), key[1]) : null;
        var page = await _store.ListDisputesAsync(new DisputeListQuery(host, request.StatementId.Length == 0 ? null : request.StatementId, state, after, size + 1), context.CancellationToken);
        var response = new ListDisputesResponse();
        response.Disputes.AddRange(page.Take(size).Select(ToWire));
        if (page.Count > size)
        {
            var last = page[size - 1];
            response.NextPageToken = PageCursor.Make(request, last.OpenedAt.Ticks.ToString(CultureInfo.InvariantCulture), last.DisputeId);
        }

        return response;
    }

    public override async Task<ResolveDisputeResponse> ResolveDispute(ResolveDisputeRequest request, ServerCallContext context)
    {
        RequireId(request.DisputeId, "dispute_id");
        string? correctionId = null;
        string? rejection = null;
        switch (request.OutcomeCase)
        {
            case ResolveDisputeRequest.OutcomeOneofCase.CorrectionId:
                RequireId(request.CorrectionId, "correction_id");
                RequireText(request.Note, "note", required: false);
                correctionId = request.CorrectionId;
                break;
            case ResolveDisputeRequest.OutcomeOneofCase.RejectionReason:
                RequireText(request.RejectionReason, "rejection_reason", required: true);
                if (request.Note.Length > 0)
                {
                    throw RpcErrors.InvalidField("note", "goes with correction_id; a rejection's reason is rejection_reason", SettlementReasons.OutOfRange);
                }

                rejection = request.RejectionReason;
                break;
            default:
                throw RpcErrors.InvalidField("outcome", "set correction_id or rejection_reason", SettlementReasons.Required);
        }

        var (dispute, correction) = await MapAsync(() => _store.ResolveAsync(request.DisputeId, correctionId, rejection, request.Note, context.GetCaller().AuditActor, Now, _options.AdjustmentLookbackMonths, context.CancellationToken));
        return new ResolveDisputeResponse { Dispute = ToWire(dispute), Correction = correction is null ? null : ToWire(correction) };
    }

    private async Task EnsureOwnStatementAsync(Caller caller, string statementId, CancellationToken cancellationToken)
    {
        var statement = await _statements.GetAsync(statementId, cancellationToken)
            ?? throw RpcErrors.Plain(StatusCode.NotFound, $"statement_id '{statementId}' does not exist.");
        caller.EnsureCanRead(statement.HostId);
    }

    private static string? HostFilter(Caller caller, string hostId)
    {
        if (hostId.Length > 0)
        {
            caller.EnsureCanRead(hostId);
            return hostId;
        }

        return caller.Role == CallerRole.Host ? caller.HostId : null;
    }

    private static void RequireId(string value, string field)
    {
        if (value.Length == 0)
        {
            throw RpcErrors.InvalidField(field, "is required", SettlementReasons.Required);
        }

        if (value.Length > 64)
        {
            throw RpcErrors.InvalidField(field, "must be at most 64 characters", CorrectionReasons.TooLong);
        }
    }

    private static void RequireText(string value, string field, bool required)
    {
        if (required && value.Trim().Length == 0)
        {
            throw RpcErrors.InvalidField(field, "is required", SettlementReasons.Required);
        }

        if (value.Length > CorrectionRequestValidator.MaxTextLength)
        {
            throw RpcErrors.InvalidField(field, string.Create(CultureInfo.InvariantCulture, $"must be at most {CorrectionRequestValidator.MaxTextLength} characters"), CorrectionReasons.TooLong);
        }
    }

    private static async Task<T> MapAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (CorrectionRefusedException refusal)
        {
            var code = refusal.Kind switch
            {
                CorrectionRefusalKind.InvalidArgument => StatusCode.InvalidArgument,
                CorrectionRefusalKind.NotFound => StatusCode.NotFound,
                _ => StatusCode.FailedPrecondition,
            };
            throw refusal.Violation is { } violation
                ? RpcErrors.WithFieldViolations(code, refusal.Message, [Violation(violation)])
                : RpcErrors.Plain(code, refusal.Message);
        }
        catch (Npgsql.PostgresException ex) when (ex.SqlState == CorrectionStore.CorrectionSqlState)
        {
            throw RpcErrors.Plain(StatusCode.FailedPrecondition, ex.MessageText);
        }
    }

    private static Google.Rpc.BadRequest.Types.FieldViolation Violation(SettlementViolation v)
        => new() { Field = v.Field, Reason = v.Reason, Description = v.Description };

    private static Domain.Corrections.CorrectionInput ToInput(Contracts.V1.CorrectionInput wire)
        => new(
            wire.HostId,
            wire.Model,
            wire.Period,
            wire.FromHour?.ToDateTime(),
            wire.ToHour?.ToDateTime(),
            wire.InputTokens,
            wire.OutputTokens,
            wire.Requests,
            wire.BilledMicros,
            wire.ReasonCode switch
            {
                CorrectionReason.Refund => CorrectionReasonCode.Refund,
                CorrectionReason.DuplicateReport => CorrectionReasonCode.DuplicateReport,
                CorrectionReason.MissingUsage => CorrectionReasonCode.MissingUsage,
                CorrectionReason.PricingError => CorrectionReasonCode.PricingError,
                CorrectionReason.DisputeResolution => CorrectionReasonCode.DisputeResolution,
                CorrectionReason.Other => CorrectionReasonCode.Other,
                _ => null,
            },
            wire.Reason);

    private static WireCorrection ToWire(UsageCorrection c) => new()
    {
        CorrectionId = c.CorrectionId,
        Correction_ = new Contracts.V1.CorrectionInput
        {
            HostId = c.HostId,
            Model = c.Model,
            Period = c.Period.ToString(),
            FromHour = Timestamp.FromDateTime(c.Range.FromUtc),
            ToHour = Timestamp.FromDateTime(c.Range.ToUtc),
            InputTokens = c.Delta.InputTokens,
            OutputTokens = c.Delta.OutputTokens,
            Requests = c.Delta.Requests,
            BilledMicros = c.Delta.BilledMicros,
            ReasonCode = c.ReasonCode switch
            {
                CorrectionReasonCode.Refund => CorrectionReason.Refund,
                CorrectionReasonCode.DuplicateReport => CorrectionReason.DuplicateReport,
                CorrectionReasonCode.MissingUsage => CorrectionReason.MissingUsage,
                CorrectionReasonCode.PricingError => CorrectionReason.PricingError,
                CorrectionReasonCode.DisputeResolution => CorrectionReason.DisputeResolution,
                _ => CorrectionReason.Other,
            },
            Reason = c.Reason,
        },
        State = c.State switch
        {
            DomainCorrectionState.Proposed => WireCorrectionState.Proposed,
            DomainCorrectionState.Approved => WireCorrectionState.Approved,
            _ => WireCorrectionState.Declined,
        },
        ProposedAt = Timestamp.FromDateTime(c.ProposedAt),
        ProposedByKeyId = c.ProposedByKeyId,
        ProposedByRole = c.ProposedByRole,
        DecidedAt = c.DecidedAt is { } decided ? Timestamp.FromDateTime(decided) : null,
        DecidedByKeyId = c.DecidedByKeyId ?? string.Empty,
        DecisionReason = c.DecisionReason ?? string.Empty,
    };

    private static Dispute ToWire(DisputeRecord d)
    {
        var wire = new Dispute
        {
            DisputeId = d.DisputeId,
            StatementId = d.StatementId,
            HostId = d.HostId,
            Period = d.Period.ToString(),
            Message = d.Message,
            State = d.State switch
            {
                DomainDisputeState.Open => WireDisputeState.Open,
                DomainDisputeState.Resolved => WireDisputeState.Resolved,
                _ => WireDisputeState.Rejected,
            },
            OpenedAt = Timestamp.FromDateTime(d.OpenedAt),
            OpenedByKeyId = d.OpenedByKeyId,
            ResolvedAt = d.ResolvedAt is { } resolved ? Timestamp.FromDateTime(resolved) : null,
            ResolvedByKeyId = d.ResolvedByKeyId ?? string.Empty,
            CorrectionId = d.CorrectionId ?? string.Empty,
            Resolution = d.Resolution ?? string.Empty,
        };
        wire.Lines.AddRange(d.Lines.Select(l => new StatementLineRef { Model = l.Model, CorrectsPeriod = l.CorrectsPeriod?.ToString() ?? string.Empty }));
        return wire;
    }

    private static YearMonth TokenMonth(string text)
        => YearMonth.TryParse(text, out var month) ? month : throw RpcErrors.InvalidField("page_token", "is not a token of this request", "INVALID_PAGE_TOKEN");

    private static DateTime TokenTime(string text)
        => long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var ticks) && ticks <= DateTime.MaxValue.Ticks
            ? new DateTime(ticks, DateTimeKind.Utc)
            : throw RpcErrors.InvalidField("page_token", "is not a token of this request", "INVALID_PAGE_TOKEN");
}
