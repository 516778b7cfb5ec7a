using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using Metering.Domain.Corrections;
using Metering.Domain.Settlement;
using Metering.Persistence.Audit;
using Metering.Persistence.Settlement;
using Npgsql;
using NpgsqlTypes;

namespace Metering.Persistence.Corrections;

/// <summary>
/// Usage corrections, statement acknowledgements and disputes (migration 0008, docs/corrections.md). Every change
/// runs in one transaction with its audit event; a refusal (<see cref="CorrectionRefusedException"/>) writes nothing.
/// Approvals of one host and model are serialized by an advisory lock, so the rules an approval checks (nested or
/// disjoint ranges, no corrected total below zero) hold against every other approval.
/// </summary>
public sealed class CorrectionStore
{
    private const string CorrectionColumns = """
        correction_id, host_id, model, period, from_hour, to_hour, input_tokens, output_tokens, requests, billed_micros,
        reason_code, reason, state, proposed_at, proposed_by_key_id, proposed_by_role, decided_at, decided_by_key_id, decided_by_role, decision_reason
        """;

    private const string DisputeColumns = """
        d.dispute_id, d.statement_id, d.host_id, s.period, d.lines, d.message, d.state, d.opened_at, d.opened_by_key_id,
        d.resolved_at, d.resolved_by_key_id, d.correction_id, d.resolution
        """;

    private const string HostExistsSql = "SELECT EXISTS (SELECT 1 FROM hosts WHERE host_id = @HostId)";

    private const string LatestFinalSql = "SELECT max(period) FROM settlement_statements WHERE host_id = @HostId AND status = 'FINAL'";

    private const string InsertCorrectionSql = $"""
        INSERT INTO usage_corrections ({CorrectionColumns})
        VALUES (@Id, @HostId, @Model, @Period, @From, @To, @InputTokens, @OutputTokens, @Requests, @BilledMicros,
                @ReasonCode, @Reason, @State, @Now, @KeyId, @Role, @DecidedAt, @DecidedKeyId, @DecidedRole, NULL)
        RETURNING {CorrectionColumns}
        """;

    private const string CorrectionForUpdateSql = $"SELECT {CorrectionColumns} FROM usage_corrections WHERE correction_id = @Id FOR UPDATE";

    private const string DecideSql = $"""
        UPDATE usage_corrections SET state = @State, decided_at = @Now, decided_by_key_id = @KeyId, decided_by_role = @Role, decision_reason = @Reason
        WHERE correction_id = @Id
        RETURNING {CorrectionColumns}
        """;

    private const string LockHostModelSql = "SELECT pg_advisory_xact_lock(hashtextextended('correction:' || @HostId || '/' || @Model, 0))";

    private const string ApprovedOfPeriodSql = $"""
        SELECT {CorrectionColumns} FROM usage_corrections
        WHERE host_id = @HostId AND model = @Model AND period = @Period AND state = 'APPROVED'
        """;

    private const string CountedInRangesSql = """
        SELECT r.i, coalesce(sum(u.input_tokens), 0)::bigint, coalesce(sum(u.output_tokens), 0)::bigint,
               coalesce(sum(u.requests), 0)::bigint, coalesce(sum(u.billed_micros), 0)::bigint
        FROM unnest(@Froms, @Tos) WITH ORDINALITY AS r(f, t, i)
        LEFT JOIN usage_hourly u ON u.host_id = @HostId AND u.model = @Model AND u.hour >= r.f AND u.hour < r.t
        GROUP BY r.i
        ORDER BY r.i
        """;

    private const string ListCorrectionsSql = $"""
        SELECT {CorrectionColumns} FROM usage_corrections
        WHERE (@HostId IS NULL OR host_id = @HostId)
          AND (@Period IS NULL OR period = @Period)
          AND (@State IS NULL OR state = @State)
          AND (@AfterId IS NULL OR (period, proposed_at, correction_id) > (@AfterPeriod, @AfterAt, @AfterId))
        ORDER BY period, proposed_at, correction_id
        LIMIT @Limit
        """;

    private const string StatementForUpdateSql = "SELECT host_id, status FROM settlement_statements WHERE statement_id = @Id FOR UPDATE";

    private const string AcknowledgementSql = "SELECT statement_id, host_id, acknowledged_at, actor_key_id, message FROM statement_acknowledgements WHERE statement_id = @Id";

    private const string OpenDisputeSql = "SELECT dispute_id FROM statement_disputes WHERE statement_id = @Id AND state = 'OPEN' ORDER BY opened_at LIMIT 1";

    private const string InsertAcknowledgementSql = """
        INSERT INTO statement_acknowledgements (statement_id, host_id, acknowledged_at, actor_key_id, message)
        VALUES (@Id, @HostId, @Now, @KeyId, @Message)
        RETURNING statement_id, host_id, acknowledged_at, actor_key_id, message
        """;

    private const string StatementLinesSql = "SELECT model, corrects_period FROM settlement_statement_lines WHERE statement_id = @Id";

    private const string InsertDisputeSql = """
        INSERT INTO statement_disputes (dispute_id, statement_id, host_id, lines, message, state, opened_at, opened_by_key_id)
        VALUES (@DisputeId, @Id, @HostId, @Lines, @Message, 'OPEN', @Now, @KeyId)
        """;

    private const string DisputeSql = $"SELECT {DisputeColumns} FROM statement_disputes d JOIN settlement_statements s ON s.statement_id = d.statement_id WHERE d.dispute_id = @Id";

    private const string DisputeForUpdateSql = DisputeSql + " FOR UPDATE OF d";

    private const string CloseDisputeSql = """
        UPDATE statement_disputes SET state = @State, resolved_at = @Now, resolved_by_key_id = @KeyId, correction_id = @CorrectionId, resolution = @Resolution
        WHERE dispute_id = @Id
        """;

    private const string ListDisputesSql = $"""
        SELECT {DisputeColumns} FROM statement_disputes d JOIN settlement_statements s ON s.statement_id = d.statement_id
        WHERE (@HostId IS NULL OR d.host_id = @HostId)
          AND (@StatementId IS NULL OR d.statement_id = @StatementId)
          AND (@State IS NULL OR d.state = @State)
          AND (@AfterId IS NULL OR (d.opened_at, d.dispute_id) > (@AfterAt, @AfterId))
        ORDER BY d.opened_at, d.dispute_id
        LIMIT @Limit
        """;

    private readonly NpgsqlDataSource _dataSource;

    public CorrectionStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>
    /// Records <paramref name="request"/> by <paramref name="actor"/>: PROPOSED for a HOST key ("correction.propose"),
    /// APPROVED at once for BILLING or ADMIN ("correction.create"). Either way the approval rules are checked now (a
    /// host learns at once that its proposal could not be approved); a PROPOSED one is checked again when approved.
    /// <paramref name="adjustmentLookbackMonths"/> is how far back settlement carries adjustments of FINAL months.
    /// </summary>
    public async Task<UsageCorrection> ProposeAsync(CorrectionRequest request, AuditActor actor, DateTime now, int adjustmentLookbackMonths, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var command = SqlCommands.Create(connection, transaction, HostExistsSql).WithText("HostId", request.HostId))
        {
            if (!(bool)(await command.ExecuteScalarAsync(cancellationToken))!)
            {
                throw CorrectionRefusedException.NotFound($"correction.host_id: host '{request.HostId}' does not exist.");
            }
        }

        await EnsureCarriedAsync(connection, transaction, request.HostId, request.Period, adjustmentLookbackMonths, cancellationToken);
        await CheckApprovalAsync(connection, transaction, request.HostId, request.Model, request.Period, request.Range, request.Delta, null, cancellationToken);
        var direct = actor.Role != "HOST";
        UsageCorrection stored;
        await using (var command = SqlCommands.Create(connection, transaction, InsertCorrectionSql)
            .WithText("Id", "co_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)))
            .WithText("HostId", request.HostId)
            .WithText("Model", request.Model)
            .WithDate("Period", request.Period.FirstDay)
            .WithTime("From", request.Range.FromUtc)
            .WithTime("To", request.Range.ToUtc)
            .WithLong("InputTokens", request.Delta.InputTokens)
            .WithLong("OutputTokens", request.Delta.OutputTokens)
            .WithLong("Requests", request.Delta.Requests)
            .WithLong("BilledMicros", request.Delta.BilledMicros)
            .WithText("ReasonCode", CorrectionCodes.Of(request.ReasonCode))
            .WithText("Reason", request.Reason)
            .WithText("State", direct ? "APPROVED" : "PROPOSED")
            .WithTime("Now", now)
            .WithText("KeyId", actor.KeyId)
            .WithText("Role", actor.Role)
            .With("DecidedAt", direct ? DateTime.SpecifyKind(now, DateTimeKind.Utc) : null, NpgsqlDbType.TimestampTz)
            .WithText("DecidedKeyId", direct ? actor.KeyId : null)
            .WithText("DecidedRole", direct ? actor.Role : null))
        {
            stored = (await ReadCorrectionsAsync(command, cancellationToken))[0];
        }

        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(now, actor, direct ? "correction.create" : "correction.propose", "correction", stored.CorrectionId, stored.HostId, null, Summary(stored)), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <summary>
    /// Approves a PROPOSED correction ("correction.approve") after checking the approval rules; an APPROVED one is
    /// returned unchanged; a DECLINED one is refused.
    /// </summary>
    public async Task<UsageCorrection> ApproveAsync(string correctionId, AuditActor actor, DateTime now, int adjustmentLookbackMonths, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var correction = await LockCorrectionAsync(connection, transaction, correctionId, "correction_id", cancellationToken);
        if (correction.State == CorrectionState.Approved)
        {
            return correction;
        }

        var approved = await ApproveLockedAsync(connection, transaction, correction, actor, now, adjustmentLookbackMonths, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return approved;
    }

    /// <summary>Declines a PROPOSED correction for <paramref name="reason"/> ("correction.decline"); a DECLINED one is returned unchanged.</summary>
    public async Task<UsageCorrection> DeclineAsync(string correctionId, string reason, AuditActor actor, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var correction = await LockCorrectionAsync(connection, transaction, correctionId, "correction_id", cancellationToken);
        switch (correction.State)
        {
            case CorrectionState.Declined:
                return correction;
            case CorrectionState.Approved:
                throw CorrectionRefusedException.Precondition($"correction '{correctionId}' is APPROVED; an approved correction is never declined (propose an opposite one instead).");
        }

        var declined = await DecideAsync(connection, transaction, correction, CorrectionState.Declined, reason, actor, now, cancellationToken);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(now, actor, "correction.decline", "correction", correctionId, correction.HostId, Summary(correction), Summary(declined)), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return declined;
    }

    /// <summary>The correction, or null.</summary>
    public async Task<UsageCorrection?> GetAsync(string correctionId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = SqlCommands.Create(connection, null, $"SELECT {CorrectionColumns} FROM usage_corrections WHERE correction_id = @Id").WithText("Id", correctionId);
        return (await ReadCorrectionsAsync(command, cancellationToken)).FirstOrDefault();
    }

    /// <summary>A page of corrections ordered by period, proposal time, id.</summary>
    public async Task<IReadOnlyList<UsageCorrection>> ListAsync(CorrectionListQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = SqlCommands.Create(connection, null, ListCorrectionsSql)
            .WithText("HostId", query.HostId)
            .WithDate("Period", query.Period?.FirstDay)
            .WithText("State", query.State is { } state ? CorrectionCodes.Of(state) : null)
            .WithDate("AfterPeriod", query.After?.Period.FirstDay)
            .With("AfterAt", query.After is { } after ? DateTime.SpecifyKind(after.ProposedAt, DateTimeKind.Utc) : null, NpgsqlDbType.TimestampTz)
            .WithText("AfterId", query.After?.CorrectionId)
            .WithInt("Limit", query.Limit);
        return await ReadCorrectionsAsync(command, cancellationToken);
    }

    /// <summary>
    /// The host's acknowledgement of FINAL statement <paramref name="statementId"/> ("statement.acknowledge"); the
    /// first one when it was acknowledged before. Refused for a DRAFT statement or one with an OPEN dispute.
    /// </summary>
    public async Task<StatementAcknowledgementRecord> AcknowledgeAsync(string statementId, string message, AuditActor actor, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var hostId = await LockFinalStatementAsync(connection, transaction, statementId, "acknowledged", cancellationToken);
        if (await ReadAcknowledgementAsync(connection, transaction, statementId, cancellationToken) is { } existing)
        {
            return existing;
        }

        await using (var command = SqlCommands.Create(connection, transaction, OpenDisputeSql).WithText("Id", statementId))
        {
            if (await command.ExecuteScalarAsync(cancellationToken) is string open)
            {
                throw CorrectionRefusedException.Precondition($"statement '{statementId}' has the OPEN dispute '{open}'; it can be acknowledged once that is resolved or rejected.");
            }
        }

        StatementAcknowledgementRecord stored;
        await using (var command = SqlCommands.Create(connection, transaction, InsertAcknowledgementSql)
            .WithText("Id", statementId)
            .WithText("HostId", hostId)
            .WithTime("Now", now)
            .WithText("KeyId", actor.KeyId)
            .WithText("Message", message))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            stored = ReadAcknowledgement(reader);
        }

        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(now, actor, "statement.acknowledge", "statement", statementId, hostId, null, new JsonObject
        {
            ["statement_id"] = statementId,
            ["acknowledged_at"] = AuditLog.Time(stored.AcknowledgedAt),
            ["message"] = message,
        }), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <summary>
    /// Opens a dispute of FINAL statement <paramref name="statementId"/> over <paramref name="lines"/> (empty: the whole
    /// statement; no duplicates) with <paramref name="message"/> ("statement.dispute"). Refused for a DRAFT or an
    /// acknowledged statement, and for a line the statement does not have (INVALID_ARGUMENT naming "lines[i]").
    /// </summary>
    public async Task<DisputeRecord> DisputeAsync(string statementId, IReadOnlyList<DisputeLine> lines, string message, AuditActor actor, DateTime now, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var hostId = await LockFinalStatementAsync(connection, transaction, statementId, "disputed", cancellationToken);
        if (await ReadAcknowledgementAsync(connection, transaction, statementId, cancellationToken) is { } acknowledged)
        {
            throw CorrectionRefusedException.Precondition($"statement '{statementId}' was acknowledged at {AuditLog.Time(acknowledged.AcknowledgedAt)}; an acknowledged statement is not disputed.");
        }

        var present = new HashSet<string>(StringComparer.Ordinal);
        await using (var command = SqlCommands.Create(connection, transaction, StatementLinesSql).WithText("Id", statementId))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                present.Add(new DisputeLine(reader.GetString(0), reader.GetDateOrNull(1) is { } day ? YearMonth.FromFirstDay(day) : null).Key);
            }
        }

        for (var i = 0; i < lines.Count; i++)
        {
            if (!present.Contains(lines[i].Key))
            {
                var what = lines[i].CorrectsPeriod is { } p ? $"an ADJUSTMENT line of model '{lines[i].Model}' correcting {p}" : $"a USAGE line of model '{lines[i].Model}'";
                throw CorrectionRefusedException.Invalid(new SettlementViolation(
                    string.Create(CultureInfo.InvariantCulture, $"lines[{i}]"), CorrectionReasons.UnknownLine, $"statement '{statementId}' has no {what}"));
            }
        }

        var disputeId = "di_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var keys = lines.Select(l => l.Key).Order(StringComparer.Ordinal).ToArray();
        await using (var command = SqlCommands.Create(connection, transaction, InsertDisputeSql)
            .WithText("DisputeId", disputeId)
            .WithText("Id", statementId)
            .WithText("HostId", hostId)
            .WithTexts("Lines", keys)
            .WithText("Message", message)
            .WithTime("Now", now)
            .WithText("KeyId", actor.KeyId))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var stored = await ReadDisputeAsync(connection, transaction, DisputeSql, disputeId, cancellationToken)
            ?? throw new InvalidOperationException($"dispute {disputeId} was not read back");
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(now, actor, "statement.dispute", "dispute", disputeId, hostId, null, Summary(stored)), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    /// <summary>
    /// Closes an OPEN dispute: RESOLVED by <paramref name="correctionId"/> (a correction of the disputed host; a
    /// PROPOSED one is approved in the same transaction, "correction.approve"), with an optional
    /// <paramref name="note"/> ("dispute.resolve"), or REJECTED for <paramref name="rejectionReason"/> ("dispute.reject").
    /// Exactly one of the two is given. Returns the dispute and, when resolved, the APPROVED correction.
    /// </summary>
    public async Task<(DisputeRecord Dispute, UsageCorrection? Correction)> ResolveAsync(
        string disputeId, string? correctionId, string? rejectionReason, string note, AuditActor actor, DateTime now, int adjustmentLookbackMonths, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var dispute = await ReadDisputeAsync(connection, transaction, DisputeForUpdateSql, disputeId, cancellationToken)
            ?? throw CorrectionRefusedException.NotFound($"dispute_id '{disputeId}' does not exist.");
        if (dispute.State != DisputeState.Open)
        {
            throw CorrectionRefusedException.Precondition($"dispute '{disputeId}' is {CorrectionCodes.Of(dispute.State)}; only an OPEN dispute is resolved or rejected.");
        }

        UsageCorrection? correction = null;
        if (correctionId is not null)
        {
            correction = await LockCorrectionAsync(connection, transaction, correctionId, "correction_id", cancellationToken);
            if (!string.Equals(correction.HostId, dispute.HostId, StringComparison.Ordinal))
            {
                throw CorrectionRefusedException.Precondition(new SettlementViolation("correction_id", "OTHER_HOST", $"correction '{correctionId}' is of host '{correction.HostId}', the dispute of host '{dispute.HostId}'"));
            }

            if (correction.State == CorrectionState.Proposed)
            {
                correction = await ApproveLockedAsync(connection, transaction, correction, actor, now, adjustmentLookbackMonths, cancellationToken);
            }
        }

        await using (var command = SqlCommands.Create(connection, transaction, CloseDisputeSql)
            .WithText("Id", disputeId)
            .WithText("State", correction is null ? "REJECTED" : "RESOLVED")
            .WithTime("Now", now)
            .WithText("KeyId", actor.KeyId)
            .WithText("CorrectionId", correction?.CorrectionId)
            .WithText("Resolution", correction is null ? rejectionReason : note))
        {
            try
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }
            catch (PostgresException ex) when (ex.SqlState == CorrectionSqlState)
            {
                // The trigger's own check (a DECLINED correction cannot resolve a dispute) is the message.
                throw new CorrectionRefusedException(CorrectionRefusalKind.FailedPrecondition, ex.MessageText, null, ex);
            }
        }

        var closed = (await ReadDisputeAsync(connection, transaction, DisputeSql, disputeId, cancellationToken))!;
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(now, actor, correction is null ? "dispute.reject" : "dispute.resolve", "dispute", disputeId, dispute.HostId, Summary(dispute), Summary(closed)), cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return (closed, correction);
    }

    /// <summary>The dispute, or null.</summary>
    public async Task<DisputeRecord?> GetDisputeAsync(string disputeId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await ReadDisputeAsync(connection, null, DisputeSql, disputeId, cancellationToken);
    }

    /// <summary>A page of disputes ordered by opening time, id.</summary>
    public async Task<IReadOnlyList<DisputeRecord>> ListDisputesAsync(DisputeListQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = SqlCommands.Create(connection, null, ListDisputesSql)
            .WithText("HostId", query.HostId)
            .WithText("StatementId", query.StatementId)
            .WithText("State", query.State is { } state ? CorrectionCodes.Of(state) : null)
            .With("AfterAt", query.After is { } after ? DateTime.SpecifyKind(after.OpenedAt, DateTimeKind.Utc) : null, NpgsqlDbType.TimestampTz)
            .WithText("AfterId", query.After?.DisputeId)
            .WithInt("Limit", query.Limit);
        var result = new List<DisputeRecord>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(ReadDispute(reader));
        }

        return result;
    }

    /// <summary>SQLSTATE the triggers of 0008 raise for a change outside the state machines.</summary>
    public const string CorrectionSqlState = "SF002";

    private async Task<UsageCorrection> ApproveLockedAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, UsageCorrection correction, AuditActor actor, DateTime now, int adjustmentLookbackMonths, CancellationToken cancellationToken)
    {
        if (correction.State == CorrectionState.Declined)
        {
            throw CorrectionRefusedException.Precondition($"correction '{correction.CorrectionId}' is DECLINED; a declined correction is never approved (propose it again).");
        }

        await EnsureCarriedAsync(connection, transaction, correction.HostId, correction.Period, adjustmentLookbackMonths, cancellationToken);
        await CheckApprovalAsync(connection, transaction, correction.HostId, correction.Model, correction.Period, correction.Range, correction.Delta, correction.CorrectionId, cancellationToken);
        var approved = await DecideAsync(connection, transaction, correction, CorrectionState.Approved, null, actor, now, cancellationToken);
        await AuditLog.WriteAsync(connection, transaction, new AuditEntry(now, actor, "correction.approve", "correction", correction.CorrectionId, correction.HostId, Summary(correction), Summary(approved)), cancellationToken);
        return approved;
    }

    /// <summary>
    /// The approval rules, under the (host, model) lock held to the end of the transaction: the range is nested in or
    /// disjoint from every approved range of the same host and model, and adding the delta leaves the corrected total
    /// of the range, and of every approved range around it, non-negative for every counter.
    /// </summary>
    private static async Task CheckApprovalAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, string hostId, string model, YearMonth period, HourRange range, UsageTotals delta, string? selfId, CancellationToken cancellationToken)
    {
        await using (var command = SqlCommands.Create(connection, transaction, LockHostModelSql).WithText("HostId", hostId).WithText("Model", model))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        List<UsageCorrection> approved;
        await using (var command = SqlCommands.Create(connection, transaction, ApprovedOfPeriodSql).WithText("HostId", hostId).WithText("Model", model).WithDate("Period", period.FirstDay))
        {
            approved = (await ReadCorrectionsAsync(command, cancellationToken)).Where(c => c.CorrectionId != selfId).ToList();
        }

        if (CorrectionRules.FindPartialOverlap(range, approved) is { } overlapping)
        {
            throw CorrectionRefusedException.Precondition(new SettlementViolation(
                "correction.from_hour",
                CorrectionReasons.RangeOverlap,
                $"the hours {range} partly overlap the hours {overlapping.Range} of approved correction '{overlapping.CorrectionId}' of the same host and model; corrections are nested or disjoint"));
        }

        var ranges = CorrectionRules.RangesToCheck(range, approved);
        var counted = new List<UsageTotals>(ranges.Count);
        await using (var command = SqlCommands.Create(connection, transaction, CountedInRangesSql)
            .WithText("HostId", hostId)
            .WithText("Model", model)
            .With("Froms", ranges.Select(r => DateTime.SpecifyKind(r.FromUtc, DateTimeKind.Utc)).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz)
            .With("Tos", ranges.Select(r => DateTime.SpecifyKind(r.ToUtc, DateTimeKind.Utc)).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.TimestampTz))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                counted.Add(new UsageTotals(reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3), reader.GetInt64(4)));
            }
        }

        for (var i = 0; i < ranges.Count; i++)
        {
            var total = CorrectionRules.CorrectedTotal(ranges[i], counted[i], approved);
            if (CorrectionRules.FirstNegative(total, delta) is { } negative)
            {
                throw CorrectionRefusedException.Precondition(new SettlementViolation(
                    "correction." + negative.Field,
                    CorrectionReasons.CorrectedTotalNegative,
                    string.Create(CultureInfo.InvariantCulture, $"the corrected {negative.Field} of host '{hostId}', model '{model}' over {ranges[i]} would be {negative.Total + negative.Delta} (counted plus approved corrections {negative.Total}, delta {negative.Delta}); no corrected total goes below zero")));
            }
        }
    }

    /// <summary>
    /// Refuses a correction of a FINAL month settlement would never carry: adjustments of a FINAL month go on the
    /// host's next statement only within the look-back (Settlement:AdjustmentLookbackMonths) of its period.
    /// </summary>
    private static async Task EnsureCarriedAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string hostId, YearMonth period, int lookbackMonths, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, transaction, LatestFinalSql).WithText("HostId", hostId);
        if (await command.ExecuteScalarAsync(cancellationToken) is DateOnly day)
        {
            var next = YearMonth.FromFirstDay(day).Next();
            if (period <= YearMonth.FromFirstDay(day) && period < next.AddMonths(-lookbackMonths))
            {
                throw CorrectionRefusedException.Precondition(new SettlementViolation(
                    "correction.period",
                    CorrectionReasons.OutsideAdjustmentWindow,
                    $"{period} is FINAL and more than {lookbackMonths} month(s) before the host's next statement ({next}); settlement would never carry this correction"));
            }
        }
    }

    private static async Task<UsageCorrection> DecideAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, UsageCorrection correction, CorrectionState state, string? reason, AuditActor actor, DateTime now, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, transaction, DecideSql)
            .WithText("Id", correction.CorrectionId)
            .WithText("State", CorrectionCodes.Of(state))
            .WithTime("Now", now)
            .WithText("KeyId", actor.KeyId)
            .WithText("Role", actor.Role)
            .WithText("Reason", reason);
        return (await ReadCorrectionsAsync(command, cancellationToken))[0];
    }

    private static async Task<UsageCorrection> LockCorrectionAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string correctionId, string field, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, transaction, CorrectionForUpdateSql).WithText("Id", correctionId);
        return (await ReadCorrectionsAsync(command, cancellationToken)).FirstOrDefault()
            ?? throw CorrectionRefusedException.NotFound($"{field} '{correctionId}' does not exist.");
    }

    /// <summary>Locks the statement row and returns its host; NOT_FOUND when unknown, FAILED_PRECONDITION when DRAFT.</summary>
    private static async Task<string> LockFinalStatementAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string statementId, string verb, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, transaction, StatementForUpdateSql).WithText("Id", statementId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw CorrectionRefusedException.NotFound($"statement_id '{statementId}' does not exist.");
        }

        if (reader.GetString(1) != "FINAL")
        {
            throw CorrectionRefusedException.Precondition($"statement '{statementId}' is DRAFT; only a FINAL statement is {verb}.");
        }

        return reader.GetString(0);
    }

    private static async Task<StatementAcknowledgementRecord?> ReadAcknowledgementAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string statementId, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, transaction, AcknowledgementSql).WithText("Id", statementId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadAcknowledgement(reader) : null;
    }

    private static StatementAcknowledgementRecord ReadAcknowledgement(NpgsqlDataReader reader)
        => new(reader.GetString(0), reader.GetString(1), reader.GetUtc(2), reader.GetString(3), reader.GetString(4));

    private static async Task<DisputeRecord?> ReadDisputeAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, string sql, string disputeId, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, transaction, sql).WithText("Id", disputeId);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadDispute(reader) : null;
    }

    private static DisputeRecord ReadDispute(NpgsqlDataReader reader)
        => new(
            reader.GetString(0),
            reader.GetString(1),
            reader.GetString(2),
            YearMonth.FromFirstDay(reader.GetFieldValue<DateOnly>(3)),
            reader.GetFieldValue<string[]>(4).Select(DisputeLine.FromKey).ToList(),
            reader.GetString(5),
            CorrectionCodes.DisputeState(reader.GetString(6)),
            reader.GetUtc(7),
            reader.GetString(8),
            reader.GetUtcOrNull(9),
            reader.GetStringOrNull(10),
            reader.GetStringOrNull(11),
            reader.GetStringOrNull(12));

    private static async Task<List<UsageCorrection>> ReadCorrectionsAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        var result = new List<UsageCorrection>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result.Add(new UsageCorrection(
                reader.GetString(0),
                reader.GetString(1),
                reader.GetString(2),
                YearMonth.FromFirstDay(reader.GetFieldValue<DateOnly>(3)),
                new HourRange(reader.GetUtc(4), reader.GetUtc(5)),
                new UsageTotals(reader.GetInt64(6), reader.GetInt64(7), reader.GetInt64(8), reader.GetInt64(9)),
                CorrectionCodes.ReasonCode(reader.GetString(10)),
                reader.GetString(11),
                CorrectionCodes.State(reader.GetString(12)),
                reader.GetUtc(13),
                reader.GetString(14),
                reader.GetString(15),
                reader.GetUtcOrNull(16),
                reader.GetStringOrNull(17),
                reader.GetStringOrNull(18),
                reader.GetStringOrNull(19)));
        }

        return result;
    }

    /// <summary>A correction as its audit events summarize it (deltas as numbers, times ISO 8601).</summary>
    private static JsonObject Summary(UsageCorrection c) => new()
    {
        ["correction_id"] = c.CorrectionId,
        ["host_id"] = c.HostId,
        ["model"] = c.Model,
        ["period"] = c.Period.ToString(),
        ["from_hour"] = AuditLog.Time(c.Range.FromUtc),
        ["to_hour"] = AuditLog.Time(c.Range.ToUtc),
        ["input_tokens"] = c.Delta.InputTokens,
        ["output_tokens"] = c.Delta.OutputTokens,
        ["requests"] = c.Delta.Requests,
        ["billed_micros"] = c.Delta.BilledMicros,
        ["reason_code"] = CorrectionCodes.Of(c.ReasonCode),
        ["reason"] = c.Reason,
        ["state"] = CorrectionCodes.Of(c.State),
        ["proposed_by_key_id"] = c.ProposedByKeyId,
        ["decision_reason"] = c.DecisionReason,
    };

    private static JsonObject Summary(DisputeRecord d) => new()
    {
        ["dispute_id"] = d.DisputeId,
        ["statement_id"] = d.StatementId,
        ["period"] = d.Period.ToString(),
        ["lines"] = new JsonArray(d.Lines.Select(l => (JsonNode?)l.Key).ToArray()),
        ["message"] = d.Message,
        ["state"] = CorrectionCodes.Of(d.State),
        ["correction_id"] = d.CorrectionId,
        ["resolution"] = d.Resolution,
    };
}
