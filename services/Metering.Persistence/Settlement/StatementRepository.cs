using Metering.Domain.Settlement;
using Metering.Persistence.Audit;
using Npgsql;

namespace Metering.Persistence.Settlement;

/// <summary>Statements: reads, paging and finalization. Drafts are written by <see cref="SettlementRunSession"/>.</summary>
public sealed class StatementRepository
{
    private const string ByIdSql = $"SELECT {StatementReader.Columns} FROM settlement_statements s WHERE s.statement_id = @Id";

    private const string ByHostPeriodSql = $"SELECT {StatementReader.Columns} FROM settlement_statements s WHERE s.host_id = @HostId AND s.period = @Period";

    private const string ByIdForUpdateSql = $"SELECT {StatementReader.Columns} FROM settlement_statements s WHERE s.statement_id = @Id FOR UPDATE";

    private const string HostOfSql = "SELECT host_id FROM settlement_statements WHERE statement_id = @Id";

    private const string ListSql = $"""
        SELECT {StatementReader.Columns} FROM settlement_statements s
        WHERE (@AllHosts OR s.host_id = ANY(@Hosts))
          AND (@From IS NULL OR s.period >= @From)
          AND (@To IS NULL OR s.period <= @To)
          AND (@Status IS NULL OR s.status = @Status)
          AND (@AfterPeriod IS NULL OR (s.period, s.host_id) > (@AfterPeriod, @AfterHost))
        ORDER BY s.period, s.host_id
        LIMIT @Limit
        """;

    private const string LatestFinalizedRevisionSql = """
        SELECT coalesce(max(finalized_revision), 0) FROM settlement_statements WHERE host_id = @HostId AND status = 'FINAL'
        """;

    private const string FinalizeSql = """
        UPDATE settlement_statements SET status = 'FINAL', finalized_at = @Now, finalized_revision = nextval('settlement_revision')
        WHERE statement_id = @Id AND status = 'DRAFT'
        """;

    private const string DraftsBeforeSql = """
        SELECT host_id, period FROM settlement_statements WHERE status = 'DRAFT' AND period < @Before ORDER BY period, host_id
        """;

    private readonly NpgsqlDataSource _dataSource;

    public StatementRepository(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    public async Task<Statement?> GetAsync(string statementId, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = SqlCommands.Create(connection, null, ByIdSql).WithText("Id", statementId);
        return (await StatementReader.ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<Statement?> GetAsync(string hostId, YearMonth period, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = SqlCommands.Create(connection, null, ByHostPeriodSql).WithText("HostId", hostId).WithDate("Period", period.FirstDay);
        return (await StatementReader.ReadAsync(command, cancellationToken)).FirstOrDefault();
    }

    public async Task<IReadOnlyList<Statement>> ListAsync(StatementListQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = SqlCommands.Create(connection, null, ListSql)
            .WithBool("AllHosts", query.Hosts is null)
            .WithTexts("Hosts", query.Hosts ?? [])
            .WithDate("From", query.PeriodFrom?.FirstDay)
            .WithDate("To", query.PeriodTo?.FirstDay)
            .WithText("Status", query.Status is { } status ? SettlementCodes.Of(status) : null)
            .WithDate("AfterPeriod", query.After?.Period.FirstDay)
            .WithText("AfterHost", query.After?.HostId)
            .WithInt("Limit", query.Limit);
        return await StatementReader.ReadAsync(command, cancellationToken);
    }

    /// <summary>The (host, period) of every DRAFT statement of a period before <paramref name="before"/>, by period then host.</summary>
    public async Task<IReadOnlyList<(string HostId, YearMonth Period)>> ListDraftsBeforeAsync(YearMonth before, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = SqlCommands.Create(connection, null, DraftsBeforeSql).WithDate("Before", before.FirstDay);
        var drafts = new List<(string, YearMonth)>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            drafts.Add((reader.GetString(0), YearMonth.FromFirstDay(reader.GetFieldValue<DateOnly>(1))));
        }

        return drafts;
    }

    /// <summary>
    /// Makes a DRAFT statement FINAL as last computed and writes its "statement.finalize" audit event by
    /// <paramref name="actor"/>, in one transaction holding the host's settlement lock and the statement's row lock;
    /// <paramref name="check"/> sees the statement, the agreement now in force for its period and the host's latest
    /// finalization, and may refuse (then nothing is written, nor for a statement already FINAL).
    /// </summary>
    public async Task<FinalizeOutcome> FinalizeAsync(string statementId, DateTime now, AuditActor actor, Func<FinalizeContext, string?> check, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        string? hostId;
        await using (var command = SqlCommands.Create(connection, transaction, HostOfSql).WithText("Id", statementId))
        {
            hostId = await command.ExecuteScalarAsync(cancellationToken) as string;
        }

        if (hostId is null)
        {
            return new FinalizeOutcome(FinalizeOutcomeKind.NotFound, null, null);
        }

        await SqlCommands.LockHostAsync(connection, transaction, hostId, cancellationToken);
        var statement = await ReadForUpdateAsync(connection, transaction, statementId, cancellationToken);
        if (statement is null)
        {
            return new FinalizeOutcome(FinalizeOutcomeKind.NotFound, null, null);
        }

        if (statement.Status == StatementStatus.Final)
        {
            return new FinalizeOutcome(FinalizeOutcomeKind.AlreadyFinal, statement, null);
        }

        var inForce = await AgreementReader.InForceAsync(connection, transaction, [statement.HostId], statement.Period, cancellationToken);
        long latestFinalized;
        await using (var command = SqlCommands.Create(connection, transaction, LatestFinalizedRevisionSql).WithText("HostId", statement.HostId))
        {
            latestFinalized = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        if (check(new FinalizeContext(statement, inForce.GetValueOrDefault(statement.HostId), latestFinalized)) is { } reason)
        {
            return new FinalizeOutcome(FinalizeOutcomeKind.Rejected, statement, reason);
        }

        await using (var command = SqlCommands.Create(connection, transaction, FinalizeSql).WithText("Id", statementId).WithTime("Now", now))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        var finalized = (await ReadForUpdateAsync(connection, transaction, statementId, cancellationToken))!;
        await AuditLog.WriteAsync(
            connection,
            transaction,
            new AuditEntry(now, actor, "statement.finalize", "statement", statementId, finalized.HostId, SettlementAuditSummaries.Statement(statement), SettlementAuditSummaries.Statement(finalized)),
            cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return new FinalizeOutcome(FinalizeOutcomeKind.Finalized, finalized, null);
    }

    private static async Task<Statement?> ReadForUpdateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string statementId, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, transaction, ByIdForUpdateSql).WithText("Id", statementId);
        return (await StatementReader.ReadAsync(command, cancellationToken)).FirstOrDefault();
    }
}
