using Metering.Domain.Settlement;
using Metering.Persistence.Audit;
using Npgsql;
using NpgsqlTypes;

namespace Metering.Persistence.Settlement;

/// <summary>Agreements with their rate cards and share tiers, keyed by (host, effective month).</summary>
public sealed class AgreementRepository
{
    private const string HostExistsSql = "SELECT EXISTS (SELECT 1 FROM hosts WHERE host_id = @HostId)";

    private const string LatestFinalSql = "SELECT max(period) FROM settlement_statements WHERE host_id = @HostId AND status = 'FINAL'";

    private const string PreviousSql = $"""
        SELECT {AgreementReader.Columns} FROM settlement_agreements a
        WHERE a.host_id = @HostId AND a.effective_month < @Month ORDER BY a.effective_month DESC LIMIT 1
        """;

    private const string NextSql = $"""
        SELECT {AgreementReader.Columns} FROM settlement_agreements a
        WHERE a.host_id = @HostId AND a.effective_month > @Month ORDER BY a.effective_month LIMIT 1
        """;

    private const string SameMonthSql = $"""
        SELECT {AgreementReader.Columns} FROM settlement_agreements a
        WHERE a.host_id = @HostId AND a.effective_month = @Month
        """;

    private const string UpsertSql = """
        INSERT INTO settlement_agreements (agreement_id, host_id, effective_month, currency, revenue_basis, minimum_payment, created_at, updated_at, revision)
        VALUES (@AgreementId, @HostId, @Month, @Currency, @Basis, @Minimum, @Now, @Now, nextval('settlement_revision'))
        ON CONFLICT (host_id, effective_month) DO UPDATE
        SET currency = EXCLUDED.currency, revenue_basis = EXCLUDED.revenue_basis, minimum_payment = EXCLUDED.minimum_payment,
            updated_at = EXCLUDED.updated_at, revision = EXCLUDED.revision
        RETURNING agreement_id, (xmax = 0) AS created
        """;

    private const string ReplaceChildrenSql = """
        DELETE FROM settlement_rate_card_entries WHERE agreement_id = @AgreementId;
        DELETE FROM settlement_share_tiers WHERE agreement_id = @AgreementId;
        INSERT INTO settlement_rate_card_entries (agreement_id, position, model, price_per_million_input_tokens, price_per_million_output_tokens, price_per_thousand_requests)
        SELECT @AgreementId, t.position - 1, t.model, t.price_in, t.price_out, t.price_requests
        FROM unnest(@Models, @PricesIn, @PricesOut, @PricesRequests) WITH ORDINALITY AS t(model, price_in, price_out, price_requests, position);
        INSERT INTO settlement_share_tiers (agreement_id, position, from_amount, share_percent)
        SELECT @AgreementId, t.position - 1, t.from_amount, t.share_percent
        FROM unnest(@FromAmounts, @SharePercents) WITH ORDINALITY AS t(from_amount, share_percent, position);
        """;

    private const string ListSql = $"""
        SELECT {AgreementReader.Columns} FROM settlement_agreements a
        WHERE (@AllHosts OR a.host_id = ANY(@Hosts))
          AND (@InForce IS NULL OR a.effective_month = (
                SELECT max(b.effective_month) FROM settlement_agreements b WHERE b.host_id = a.host_id AND b.effective_month <= @InForce))
          AND (@AfterHost IS NULL OR (a.host_id, a.effective_month) > (@AfterHost, @AfterMonth))
        ORDER BY a.host_id, a.effective_month
        LIMIT @Limit
        """;

    private readonly NpgsqlDataSource _dataSource;

    public AgreementRepository(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>
    /// Creates or replaces the agreement of (<paramref name="hostId"/>, <paramref name="effectiveMonth"/>) and writes
    /// its "agreement.upsert" audit event by <paramref name="actor"/> (the agreement replaced, if any, and the one
    /// stored), in one transaction holding the host's settlement lock; <paramref name="precondition"/> sees the stored
    /// state first and may reject the change (then nothing is written).
    /// </summary>
    public async Task<AgreementUpsertResult> UpsertAsync(
        string hostId,
        YearMonth effectiveMonth,
        AgreementTerms terms,
        DateTime now,
        AuditActor actor,
        Func<AgreementUpsertContext, SettlementViolation?> precondition,
        CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await SqlCommands.LockHostAsync(connection, transaction, hostId, cancellationToken);

        bool exists;
        await using (var command = SqlCommands.Create(connection, transaction, HostExistsSql).WithText("HostId", hostId))
        {
            exists = (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        if (!exists)
        {
            return new AgreementUpsertResult(null, false, false, null);
        }

        YearMonth? latestFinal;
        await using (var command = SqlCommands.Create(connection, transaction, LatestFinalSql).WithText("HostId", hostId))
        {
            latestFinal = await command.ExecuteScalarAsync(cancellationToken) is DateOnly day ? YearMonth.FromFirstDay(day) : null;
        }

        var previous = await ReadOneAsync(connection, transaction, PreviousSql, hostId, effectiveMonth, cancellationToken);
        var next = await ReadOneAsync(connection, transaction, NextSql, hostId, effectiveMonth, cancellationToken);
        if (precondition(new AgreementUpsertContext(true, latestFinal, previous, next)) is { } rejection)
        {
            return new AgreementUpsertResult(null, false, true, rejection);
        }

        var replaced = await ReadOneAsync(connection, transaction, SameMonthSql, hostId, effectiveMonth, cancellationToken);
        try
        {
            string agreementId;
            bool created;
            await using (var command = SqlCommands.Create(connection, transaction, UpsertSql)
                .WithText("AgreementId", "agr_" + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(8)))
                .WithText("HostId", hostId)
                .WithDate("Month", effectiveMonth.FirstDay)
                .WithText("Currency", terms.Currency.Code)
                .WithText("Basis", SettlementCodes.Of(terms.Basis))
                .With("Minimum", terms.MinimumPayment, NpgsqlDbType.Numeric)
                .WithTime("Now", now))
            await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            {
                await reader.ReadAsync(cancellationToken);
                agreementId = reader.GetString(0);
                created = reader.GetBoolean(1);
            }

            await using (var command = SqlCommands.Create(connection, transaction, ReplaceChildrenSql)
                .WithText("AgreementId", agreementId)
                .WithTexts("Models", terms.RateCard.Select(r => r.Model))
                .With("PricesIn", terms.RateCard.Select(r => r.PricePerMillionInputTokens).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Numeric)
                .With("PricesOut", terms.RateCard.Select(r => r.PricePerMillionOutputTokens).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Numeric)
                .With("PricesRequests", terms.RateCard.Select(r => r.PricePerThousandRequests).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Numeric)
                .With("FromAmounts", terms.Tiers.Select(t => t.FromAmount).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Numeric)
                .With("SharePercents", terms.Tiers.Select(t => t.SharePercent).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Numeric))
            {
                await command.ExecuteNonQueryAsync(cancellationToken);
            }

            var stored = (await AgreementReader.ByIdsAsync(connection, transaction, [agreementId], cancellationToken))[agreementId];
            await AuditLog.WriteAsync(
                connection,
                transaction,
                new AuditEntry(now, actor, "agreement.upsert", "agreement", agreementId, hostId, replaced is null ? null : SettlementAuditSummaries.Agreement(replaced), SettlementAuditSummaries.Agreement(stored)),
                cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return new AgreementUpsertResult(stored, created, true, null);
        }
        catch (PostgresException ex) when (ex.SqlState == SqlCommands.FinalChangeSqlState)
        {
            throw SqlCommands.Translate(ex);
        }
    }

    public async Task<IReadOnlyList<Agreement>> ListAsync(AgreementListQuery query, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = SqlCommands.Create(connection, null, ListSql)
            .WithBool("AllHosts", query.Hosts is null)
            .WithTexts("Hosts", query.Hosts ?? [])
            .WithDate("InForce", query.InForceMonth?.FirstDay)
            .WithText("AfterHost", query.After?.HostId)
            .WithDate("AfterMonth", query.After?.EffectiveMonth.FirstDay)
            .WithInt("Limit", query.Limit);
        return await AgreementReader.ReadAsync(command, cancellationToken);
    }

    /// <summary>The agreement in force for <paramref name="month"/> of each host (all hosts when <paramref name="hosts"/> is null).</summary>
    public async Task<IReadOnlyDictionary<string, Agreement>> GetInForceAsync(IReadOnlyCollection<string>? hosts, YearMonth month, CancellationToken cancellationToken)
    {
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        return await AgreementReader.InForceAsync(connection, null, hosts, month, cancellationToken);
    }

    private static async Task<Agreement?> ReadOneAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, string hostId, YearMonth month, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, transaction, sql).WithText("HostId", hostId).WithDate("Month", month.FirstDay);
        return (await AgreementReader.ReadAsync(command, cancellationToken)).FirstOrDefault();
    }
}
