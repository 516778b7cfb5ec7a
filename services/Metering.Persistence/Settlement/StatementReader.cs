using Metering.Domain.Settlement;
using Npgsql;

namespace Metering.Persistence.Settlement;

/// <summary>
/// Reads statements: a header query selecting <see cref="Columns"/> (in that order), then their lines, tier
/// applications and adjustments in one round trip.
/// </summary>
internal static class StatementReader
{
    public const string Columns = """
        s.statement_id, s.host_id, s.period, s.status, s.agreement_id, s.agreement_revision, s.currency, s.revenue_basis,
        s.gross_revenue, s.share_amount, s.minimum_payment, s.minimum_applied, s.period_amount_owed, s.amount_owed,
        s.has_unpriced_lines, s.computed_at, s.finalized_at, s.computed_revision
        """;

    private const string ChildrenSql = """
        SELECT statement_id, kind, model, corrects_period, input_tokens, output_tokens, requests, billed_micros, gross_revenue, rate_card_model, correction_ids
        FROM settlement_statement_lines WHERE statement_id = ANY(@Ids) ORDER BY statement_id, position;
        SELECT statement_id, from_amount, to_amount, share_percent, base_amount, share_amount
        FROM settlement_tier_applications WHERE statement_id = ANY(@Ids) ORDER BY statement_id, position;
        SELECT statement_id, corrects_period, corrected_statement_id, gross_revenue, share_amount, amount_owed
        FROM settlement_adjustments WHERE statement_id = ANY(@Ids) ORDER BY statement_id, corrects_period;
        """;

    /// <summary>Runs <paramref name="header"/> and returns its statements, in its order, complete.</summary>
    public static async Task<List<Statement>> ReadAsync(NpgsqlCommand header, CancellationToken cancellationToken)
    {
        var headers = new List<Header>();
        await using (var reader = await header.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                headers.Add(new Header(
                    reader.GetString(0), reader.GetString(1), YearMonth.FromFirstDay(reader.GetFieldValue<DateOnly>(2)), SettlementCodes.Status(reader.GetString(3)),
                    reader.GetString(4), reader.GetInt64(5), Currency.FromCode(reader.GetString(6)), SettlementCodes.Basis(reader.GetString(7)),
                    reader.GetDecimal(8), reader.GetDecimal(9), reader.GetDecimalOrNull(10), reader.GetBoolean(11), reader.GetDecimal(12), reader.GetDecimal(13),
                    reader.GetBoolean(14), reader.GetUtc(15), reader.GetUtcOrNull(16), reader.GetInt64(17)));
            }
        }

        if (headers.Count == 0)
        {
            return [];
        }

        var lines = new Dictionary<string, List<StatementLine>>(StringComparer.Ordinal);
        var tiers = new Dictionary<string, List<TierApplication>>(StringComparer.Ordinal);
        var adjustments = new Dictionary<string, List<PeriodAdjustment>>(StringComparer.Ordinal);
        await using (var children = SqlCommands.Create(header.Connection!, header.Transaction, ChildrenSql).WithTexts("Ids", headers.Select(h => h.Id)))
        await using (var reader = await children.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                Add(lines, reader.GetString(0), ReadLine(reader, 1));
            }

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                Add(tiers, reader.GetString(0), new TierApplication(reader.GetDecimal(1), reader.GetDecimalOrNull(2), reader.GetDecimal(3), reader.GetDecimal(4), reader.GetDecimal(5)));
            }

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                Add(adjustments, reader.GetString(0), new PeriodAdjustment(
                    YearMonth.FromFirstDay(reader.GetFieldValue<DateOnly>(1)), reader.GetString(2), reader.GetDecimal(3), reader.GetDecimal(4), reader.GetDecimal(5)));
            }
        }

        return headers.Select(h => new Statement(
            h.Id, h.Host, h.Period, h.Status, h.AgreementId, h.AgreementRevision, h.Currency, h.Basis,
            lines.GetValueOrDefault(h.Id) ?? [], h.Gross, tiers.GetValueOrDefault(h.Id) ?? [], h.Share, h.Minimum, h.MinimumApplied,
            h.PeriodOwed, adjustments.GetValueOrDefault(h.Id) ?? [], h.Owed, h.HasUnpriced, h.ComputedAt, h.FinalizedAt, h.ComputedRevision)).ToList();
    }

    /// <summary>Reads a line from columns kind, model, corrects_period, the four counters, gross_revenue, rate_card_model, correction_ids starting at <paramref name="first"/>.</summary>
    public static StatementLine ReadLine(NpgsqlDataReader reader, int first)
    {
        var correctsPeriod = reader.GetDateOrNull(first + 2);
        return new StatementLine(
            SettlementCodes.Kind(reader.GetString(first)),
            reader.GetString(first + 1),
            correctsPeriod is { } day ? YearMonth.FromFirstDay(day) : null,
            new UsageTotals(reader.GetInt64(first + 3), reader.GetInt64(first + 4), reader.GetInt64(first + 5), reader.GetInt64(first + 6)),
            reader.GetDecimalOrNull(first + 7),
            reader.GetStringOrNull(first + 8))
        {
            CorrectionIds = reader.GetFieldValue<string[]>(first + 9) is { Length: > 0 } ids ? ids : [],
        };
    }

    private static void Add<T>(Dictionary<string, List<T>> map, string key, T value)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        list.Add(value);
    }

    private sealed record Header(
        string Id, string Host, YearMonth Period, StatementStatus Status, string AgreementId, long AgreementRevision, Currency Currency, RevenueBasis Basis,
        decimal Gross, decimal Share, decimal? Minimum, bool MinimumApplied, decimal PeriodOwed, decimal Owed, bool HasUnpriced,
        DateTime ComputedAt, DateTime? FinalizedAt, long ComputedRevision);
}
