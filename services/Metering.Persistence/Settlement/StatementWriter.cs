using Metering.Domain.Settlement;
using Npgsql;
using NpgsqlTypes;

namespace Metering.Persistence.Settlement;

/// <summary>
/// Writes DRAFT statements in bulk: their old rows are deleted, headers are staged with binary COPY and upserted
/// (ids are kept across recomputations), lines, tier applications and adjustments are copied in.
/// </summary>
internal static class StatementWriter
{
    private const string NextRevisionSql = "SELECT nextval('settlement_revision')";

    private const string DeleteChildrenSql = """
        DELETE FROM settlement_statement_lines WHERE statement_id = ANY(@Ids);
        DELETE FROM settlement_tier_applications WHERE statement_id = ANY(@Ids);
        DELETE FROM settlement_adjustments WHERE statement_id = ANY(@Ids);
        """;

    private const string CreateStageSql = """
        CREATE TEMP TABLE IF NOT EXISTS settlement_statements_stage (LIKE settlement_statements) ON COMMIT DELETE ROWS
        """;

    private const string StageColumns = """
        statement_id, host_id, period, status, agreement_id, agreement_revision, currency, revenue_basis, gross_revenue, share_amount,
        minimum_payment, minimum_applied, period_amount_owed, amount_owed, has_unpriced_lines, computed_at, computed_revision
        """;

    private const string CopyStageSql = $"COPY settlement_statements_stage ({StageColumns}) FROM STDIN (FORMAT BINARY)";

    private const string UpsertFromStageSql = $"""
        INSERT INTO settlement_statements ({StageColumns})
        SELECT {StageColumns} FROM settlement_statements_stage
        ON CONFLICT (statement_id) DO UPDATE SET
            agreement_id = EXCLUDED.agreement_id, agreement_revision = EXCLUDED.agreement_revision, currency = EXCLUDED.currency,
            revenue_basis = EXCLUDED.revenue_basis, gross_revenue = EXCLUDED.gross_revenue, share_amount = EXCLUDED.share_amount,
            minimum_payment = EXCLUDED.minimum_payment, minimum_applied = EXCLUDED.minimum_applied,
            period_amount_owed = EXCLUDED.period_amount_owed, amount_owed = EXCLUDED.amount_owed,
            has_unpriced_lines = EXCLUDED.has_unpriced_lines, computed_at = EXCLUDED.computed_at, computed_revision = EXCLUDED.computed_revision
        WHERE settlement_statements.status = 'DRAFT';
        TRUNCATE settlement_statements_stage;
        """;

    private const string CopyLinesSql = """
        COPY settlement_statement_lines (statement_id, position, kind, model, corrects_period, input_tokens, output_tokens, requests, billed_micros, gross_revenue, rate_card_model, correction_ids)
        FROM STDIN (FORMAT BINARY)
        """;

    private const string CopyTiersSql = """
        COPY settlement_tier_applications (statement_id, position, from_amount, to_amount, share_percent, base_amount, share_amount)
        FROM STDIN (FORMAT BINARY)
        """;

    private const string CopyAdjustmentsSql = """
        COPY settlement_adjustments (statement_id, corrects_period, corrected_statement_id, gross_revenue, share_amount, amount_owed)
        FROM STDIN (FORMAT BINARY)
        """;

    /// <summary>Writes the drafts; returns the store revision they were computed at.</summary>
    public static async Task<long> WriteDraftsAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<Statement> drafts, CancellationToken cancellationToken)
    {
        long revision;
        await using (var command = SqlCommands.Create(connection, transaction, NextRevisionSql))
        {
            revision = (long)(await command.ExecuteScalarAsync(cancellationToken))!;
        }

        if (drafts.Count == 0)
        {
            return revision;
        }

        await using (var command = SqlCommands.Create(connection, transaction, DeleteChildrenSql).WithTexts("Ids", drafts.Select(d => d.StatementId)))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var command = SqlCommands.Create(connection, transaction, CreateStageSql))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var writer = await connection.BeginBinaryImportAsync(CopyStageSql, cancellationToken))
        {
            foreach (var s in drafts)
            {
                await writer.StartRowAsync(cancellationToken);
                await writer.WriteAsync(s.StatementId, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(s.HostId, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(s.Period.FirstDay, NpgsqlDbType.Date, cancellationToken);
                await writer.WriteAsync(SettlementCodes.Of(StatementStatus.Draft), NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(s.AgreementId, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(s.AgreementRevision, NpgsqlDbType.Bigint, cancellationToken);
                await writer.WriteAsync(s.Currency.Code, NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(SettlementCodes.Of(s.RevenueBasis), NpgsqlDbType.Text, cancellationToken);
                await writer.WriteAsync(s.GrossRevenue, NpgsqlDbType.Numeric, cancellationToken);
                await writer.WriteAsync(s.ShareAmount, NpgsqlDbType.Numeric, cancellationToken);
                await WriteNullableAsync(writer, s.MinimumPayment, cancellationToken);
                await writer.WriteAsync(s.MinimumApplied, NpgsqlDbType.Boolean, cancellationToken);
                await writer.WriteAsync(s.PeriodAmountOwed, NpgsqlDbType.Numeric, cancellationToken);
                await writer.WriteAsync(s.AmountOwed, NpgsqlDbType.Numeric, cancellationToken);
                await writer.WriteAsync(s.HasUnpricedLines, NpgsqlDbType.Boolean, cancellationToken);
                await writer.WriteAsync(DateTime.SpecifyKind(s.ComputedAt, DateTimeKind.Utc), NpgsqlDbType.TimestampTz, cancellationToken);
                await writer.WriteAsync(revision, NpgsqlDbType.Bigint, cancellationToken);
            }

            await writer.CompleteAsync(cancellationToken);
        }

        await using (var command = SqlCommands.Create(connection, transaction, UpsertFromStageSql))
        {
            await command.ExecuteNonQueryAsync(cancellationToken);
        }

        await using (var writer = await connection.BeginBinaryImportAsync(CopyLinesSql, cancellationToken))
        {
            foreach (var s in drafts)
            {
                for (var i = 0; i < s.Lines.Count; i++)
                {
                    var line = s.Lines[i];
                    await writer.StartRowAsync(cancellationToken);
                    await writer.WriteAsync(s.StatementId, NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken);
                    await writer.WriteAsync(SettlementCodes.Of(line.Kind), NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(line.Model, NpgsqlDbType.Text, cancellationToken);
                    if (line.CorrectsPeriod is { } corrects)
                    {
                        await writer.WriteAsync(corrects.FirstDay, NpgsqlDbType.Date, cancellationToken);
                    }
                    else
                    {
                        await writer.WriteNullAsync(cancellationToken);
                    }

                    await writer.WriteAsync(line.Usage.InputTokens, NpgsqlDbType.Bigint, cancellationToken);
                    await writer.WriteAsync(line.Usage.OutputTokens, NpgsqlDbType.Bigint, cancellationToken);
                    await writer.WriteAsync(line.Usage.Requests, NpgsqlDbType.Bigint, cancellationToken);
                    await writer.WriteAsync(line.Usage.BilledMicros, NpgsqlDbType.Bigint, cancellationToken);
                    await WriteNullableAsync(writer, line.GrossRevenue, cancellationToken);
                    if (line.RateCardModel is { } rateModel)
                    {
                        await writer.WriteAsync(rateModel, NpgsqlDbType.Text, cancellationToken);
                    }
                    else
                    {
                        await writer.WriteNullAsync(cancellationToken);
                    }

                    await writer.WriteAsync(line.CorrectionIds as string[] ?? line.CorrectionIds.ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text, cancellationToken);
                }
            }

            await writer.CompleteAsync(cancellationToken);
        }

        await using (var writer = await connection.BeginBinaryImportAsync(CopyTiersSql, cancellationToken))
        {
            foreach (var s in drafts)
            {
                for (var i = 0; i < s.TierApplications.Count; i++)
                {
                    var tier = s.TierApplications[i];
                    await writer.StartRowAsync(cancellationToken);
                    await writer.WriteAsync(s.StatementId, NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(i, NpgsqlDbType.Integer, cancellationToken);
                    await writer.WriteAsync(tier.FromAmount, NpgsqlDbType.Numeric, cancellationToken);
                    await WriteNullableAsync(writer, tier.ToAmount, cancellationToken);
                    await writer.WriteAsync(tier.SharePercent, NpgsqlDbType.Numeric, cancellationToken);
                    await writer.WriteAsync(tier.BaseAmount, NpgsqlDbType.Numeric, cancellationToken);
                    await writer.WriteAsync(tier.ShareAmount, NpgsqlDbType.Numeric, cancellationToken);
                }
            }

            await writer.CompleteAsync(cancellationToken);
        }

        if (drafts.Any(d => d.Adjustments.Count > 0))
        {
            await using var writer = await connection.BeginBinaryImportAsync(CopyAdjustmentsSql, cancellationToken);
            foreach (var s in drafts)
            {
                foreach (var adjustment in s.Adjustments)
                {
                    await writer.StartRowAsync(cancellationToken);
                    await writer.WriteAsync(s.StatementId, NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(adjustment.CorrectsPeriod.FirstDay, NpgsqlDbType.Date, cancellationToken);
                    await writer.WriteAsync(adjustment.CorrectedStatementId, NpgsqlDbType.Text, cancellationToken);
                    await writer.WriteAsync(adjustment.GrossRevenue, NpgsqlDbType.Numeric, cancellationToken);
                    await writer.WriteAsync(adjustment.ShareAmount, NpgsqlDbType.Numeric, cancellationToken);
                    await writer.WriteAsync(adjustment.AmountOwed, NpgsqlDbType.Numeric, cancellationToken);
                }
            }

            await writer.CompleteAsync(cancellationToken);
        }

        return revision;
    }

    private static async Task WriteNullableAsync(NpgsqlBinaryImporter writer, decimal? value, CancellationToken cancellationToken)
    {
        if (value is { } v)
        {
            await writer.WriteAsync(v, NpgsqlDbType.Numeric, cancellationToken);
        }
        else
        {
            await writer.WriteNullAsync(cancellationToken);
        }
    }
}
