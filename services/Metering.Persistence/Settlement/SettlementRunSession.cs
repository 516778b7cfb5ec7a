using Metering.Domain.Corrections;
using Metering.Domain.Settlement;
using Metering.Persistence.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Metering.Persistence.Settlement;

/// <summary>
/// One settlement run of one period, in one transaction: runs of the same period are serialized (advisory lock,
/// so replicas may run the scheduler together), the period's statements of the selected hosts are row-locked
/// before anything is read, and the drafts written replace the previous ones exactly, or not at all.
/// </summary>
public sealed class SettlementRunSession : IAsyncDisposable
{
    // The month's usage is grouped by (host, model) in one pass; with the default work_mem (4 MB) the hash table of
    // a large month spills to disk in batches. 64 MB per worker, for this transaction only, keeps it in memory.
    private const string PrepareSql = """
        SET LOCAL work_mem = '64MB';
        SELECT pg_advisory_xact_lock(hashtextextended('settlement-period:' || @Period::text, 0));
        """;

    private const string UnknownHostsSql = "SELECT h FROM unnest(@Hosts) AS h WHERE NOT EXISTS (SELECT 1 FROM hosts WHERE host_id = h) ORDER BY h";

    private const string LockStatementsSql = """
        SELECT host_id, statement_id, status, gross_revenue, amount_owed, computed_at FROM settlement_statements
        WHERE period = @Period AND (@AllHosts OR host_id = ANY(@Hosts))
        ORDER BY host_id
        FOR UPDATE
        """;

    private const string EarlierStatusesSql = """
        SELECT host_id, period, status FROM settlement_statements
        WHERE period >= @From AND period < @Period AND host_id = ANY(@Hosts)
        """;

    private const string FinalStatementsSql = $"""
        SELECT {StatementReader.Columns} FROM settlement_statements s
        JOIN unnest(@Hosts, @Periods) AS k(host_id, period) ON k.host_id = s.host_id AND k.period = s.period
        WHERE s.status = 'FINAL'
        """;

    private const string FinalAdjustmentsSql = """
        SELECT a.corrected_statement_id, a.corrects_period, a.gross_revenue, a.share_amount, a.amount_owed
        FROM settlement_adjustments a JOIN settlement_statements s ON s.statement_id = a.statement_id
        WHERE s.status = 'FINAL' AND a.corrected_statement_id = ANY(@Ids);
        SELECT s.host_id, l.kind, l.model, l.corrects_period, l.input_tokens, l.output_tokens, l.requests, l.billed_micros, l.gross_revenue, l.rate_card_model, l.correction_ids
        FROM settlement_statement_lines l
        JOIN settlement_statements s ON s.statement_id = l.statement_id
        JOIN unnest(@Hosts, @Periods) AS k(host_id, period) ON k.host_id = s.host_id AND k.period = l.corrects_period
        WHERE s.status = 'FINAL' AND l.kind = 'ADJUSTMENT';
        """;

    private const string ApprovedCorrectionsSql = """
        SELECT correction_id, host_id, model, input_tokens, output_tokens, requests, billed_micros FROM usage_corrections
        WHERE state = 'APPROVED' AND period = @Period AND (@AllHosts OR host_id = ANY(@Hosts))
        """;

    private const string TakenCorrectionsSql = """
        SELECT DISTINCT s.host_id, c.id
        FROM settlement_statement_lines l
        JOIN settlement_statements s ON s.statement_id = l.statement_id
        CROSS JOIN LATERAL unnest(l.correction_ids) AS c(id)
        WHERE s.status = 'FINAL' AND s.host_id = ANY(@Hosts) AND cardinality(l.correction_ids) > 0
        """;

    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;

    private SettlementRunSession(NpgsqlConnection connection, NpgsqlTransaction transaction, YearMonth period)
    {
        _connection = connection;
        _transaction = transaction;
        Period = period;
    }

    public YearMonth Period { get; }

    internal static async Task<SettlementRunSession> BeginAsync(NpgsqlDataSource dataSource, YearMonth period, CancellationToken cancellationToken)
    {
        var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        try
        {
            var transaction = await connection.BeginTransactionAsync(cancellationToken);
            await using (var command = SqlCommands.Create(connection, transaction, PrepareSql).WithDate("Period", period.FirstDay))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            return new SettlementRunSession(connection, transaction, period);
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    /// <summary>The hosts of <paramref name="hosts"/> that do not exist, in order.</summary>
    public async Task<IReadOnlyList<string>> FindUnknownHostsAsync(IReadOnlyCollection<string> hosts, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(_connection, _transaction, UnknownHostsSql).WithTexts("Hosts", hosts);
        var unknown = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            unknown.Add(reader.GetString(0));
        }

        return unknown;
    }

    /// <summary>Locks and returns the period's statements of the hosts (all when null), by host.</summary>
    public async Task<IReadOnlyDictionary<string, StatementRef>> LockStatementsAsync(IReadOnlyCollection<string>? hosts, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(_connection, _transaction, LockStatementsSql)
            .WithDate("Period", Period.FirstDay)
            .WithBool("AllHosts", hosts is null)
            .WithTexts("Hosts", hosts ?? []);
        var result = new Dictionary<string, StatementRef>(StringComparer.Ordinal);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            result[reader.GetString(0)] = new StatementRef(reader.GetString(1), SettlementCodes.Status(reader.GetString(2)), reader.GetDecimal(3), reader.GetDecimal(4), reader.GetUtc(5));
        }

        return result;
    }

    /// <summary>The agreement in force for <paramref name="month"/> per host (all hosts when null).</summary>
    public async Task<IReadOnlyDictionary<string, Agreement>> ReadAgreementsInForceAsync(IReadOnlyCollection<string>? hosts, YearMonth month, CancellationToken cancellationToken)
        => await AgreementReader.InForceAsync(_connection, _transaction, hosts, month, cancellationToken);

    /// <summary>Usage of <paramref name="month"/> per host and model, summed from usage_hourly (all hosts when null).</summary>
    public async Task<IReadOnlyDictionary<string, List<ModelUsage>>> ReadUsageAsync(IReadOnlyCollection<string>? hosts, YearMonth month, CancellationToken cancellationToken)
        => await SettlementUsageRepository.ReadManyAsync(_connection, _transaction, hosts, month, cancellationToken);

    /// <summary>The approved usage corrections of <paramref name="month"/> per host (all hosts when null).</summary>
    public async Task<IReadOnlyDictionary<string, List<AppliedCorrection>>> ReadApprovedCorrectionsAsync(IReadOnlyCollection<string>? hosts, YearMonth month, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, List<AppliedCorrection>>(StringComparer.Ordinal);
        await using var command = SqlCommands.Create(_connection, _transaction, ApprovedCorrectionsSql)
            .WithDate("Period", month.FirstDay)
            .WithBool("AllHosts", hosts is null)
            .WithTexts("Hosts", hosts ?? []);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var correction = new AppliedCorrection(reader.GetString(0), reader.GetString(1), reader.GetString(2), new UsageTotals(reader.GetInt64(3), reader.GetInt64(4), reader.GetInt64(5), reader.GetInt64(6)));
            if (!result.TryGetValue(correction.HostId, out var list))
            {
                result[correction.HostId] = list = [];
            }

            list.Add(correction);
        }

        return result;
    }

    /// <summary>Per host, the ids of the corrections some line of a FINAL statement of the host took in.</summary>
    public async Task<IReadOnlyDictionary<string, HashSet<string>>> ReadTakenCorrectionIdsAsync(IReadOnlyCollection<string> hosts, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        if (hosts.Count == 0)
        {
            return result;
        }

        await using var command = SqlCommands.Create(_connection, _transaction, TakenCorrectionsSql).WithTexts("Hosts", hosts);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var host = reader.GetString(0);
            if (!result.TryGetValue(host, out var ids))
            {
                result[host] = ids = new HashSet<string>(StringComparer.Ordinal);
            }

            ids.Add(reader.GetString(1));
        }

        return result;
    }

    /// <summary>Statuses of the hosts' statements for periods in [<paramref name="from"/>, the run's period).</summary>
    public async Task<IReadOnlyDictionary<string, Dictionary<YearMonth, StatementStatus>>> ReadEarlierStatusesAsync(IReadOnlyCollection<string> hosts, YearMonth from, CancellationToken cancellationToken)
    {
        var result = new Dictionary<string, Dictionary<YearMonth, StatementStatus>>(StringComparer.Ordinal);
        if (hosts.Count == 0)
        {
            return result;
        }

        await using var command = SqlCommands.Create(_connection, _transaction, EarlierStatusesSql)
            .WithDate("From", from.FirstDay)
            .WithDate("Period", Period.FirstDay)
            .WithTexts("Hosts", hosts);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            var host = reader.GetString(0);
            if (!result.TryGetValue(host, out var statuses))
            {
                result[host] = statuses = [];
            }

            statuses[YearMonth.FromFirstDay(reader.GetFieldValue<DateOnly>(1))] = SettlementCodes.Status(reader.GetString(2));
        }

        return result;
    }

    /// <summary>
    /// What has been settled for each FINAL (host, period): the final statement, the agreement it was computed
    /// with, and the adjustments for it on FINAL statements.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string HostId, YearMonth Period), SettledPeriod>> ReadSettledAsync(IReadOnlyCollection<(string HostId, YearMonth Period)> keys, CancellationToken cancellationToken)
    {
        var result = new Dictionary<(string, YearMonth), SettledPeriod>();
        if (keys.Count == 0)
        {
            return result;
        }

        var hosts = keys.Select(k => k.HostId).ToArray();
        var periods = keys.Select(k => k.Period.FirstDay).ToArray();
        List<Statement> finals;
        await using (var command = SqlCommands.Create(_connection, _transaction, FinalStatementsSql)
            .WithTexts("Hosts", hosts)
            .With("Periods", periods, NpgsqlDbType.Array | NpgsqlDbType.Date))
        {
            finals = await StatementReader.ReadAsync(command, cancellationToken);
        }

        if (finals.Count == 0)
        {
            return result;
        }

        var adjustments = new Dictionary<string, List<PeriodAdjustment>>(StringComparer.Ordinal);
        var adjustmentLines = new Dictionary<(string, YearMonth), List<StatementLine>>();
        await using (var command = SqlCommands.Create(_connection, _transaction, FinalAdjustmentsSql)
            .WithTexts("Ids", finals.Select(f => f.StatementId))
            .WithTexts("Hosts", hosts)
            .With("Periods", periods, NpgsqlDbType.Array | NpgsqlDbType.Date))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                var corrected = reader.GetString(0);
                if (!adjustments.TryGetValue(corrected, out var list))
                {
                    adjustments[corrected] = list = [];
                }

                list.Add(new PeriodAdjustment(YearMonth.FromFirstDay(reader.GetFieldValue<DateOnly>(1)), corrected, reader.GetDecimal(2), reader.GetDecimal(3), reader.GetDecimal(4)));
            }

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                var line = StatementReader.ReadLine(reader, 1);
                var key = (reader.GetString(0), line.CorrectsPeriod!.Value);
                if (!adjustmentLines.TryGetValue(key, out var list))
                {
                    adjustmentLines[key] = list = [];
                }

                list.Add(line);
            }
        }

        var agreements = await AgreementReader.ByIdsAsync(_connection, _transaction, finals.Select(f => f.AgreementId), cancellationToken);
        foreach (var final in finals)
        {
            result[(final.HostId, final.Period)] = SettledPeriod.Create(
                final,
                agreements[final.AgreementId].Terms,
                adjustments.GetValueOrDefault(final.StatementId) ?? [],
                adjustmentLines.GetValueOrDefault((final.HostId, final.Period)) ?? []);
        }

        return result;
    }

    /// <summary>Writes the DRAFT statements (replacing the previous drafts of the same ids); returns their computed revision.</summary>
    public async Task<long> WriteDraftsAsync(IReadOnlyList<Statement> drafts, CancellationToken cancellationToken)
    {
        try
        {
            return await StatementWriter.WriteDraftsAsync(_connection, _transaction, drafts, cancellationToken);
        }
        catch (PostgresException ex) when (ex.SqlState == SqlCommands.FinalChangeSqlState)
        {
            throw SqlCommands.Translate(ex);
        }
    }

    /// <summary>Writes the run's audit event in the run's transaction (it commits with the drafts, or not at all).</summary>
    public Task<long> WriteAuditAsync(AuditEntry entry, CancellationToken cancellationToken)
        => AuditLog.WriteAsync(_connection, _transaction, entry, cancellationToken);

    public Task CommitAsync(CancellationToken cancellationToken) => _transaction.CommitAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _transaction.DisposeAsync();
        await _connection.DisposeAsync();
    }
}
