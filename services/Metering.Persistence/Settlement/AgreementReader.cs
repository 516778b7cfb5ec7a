using Metering.Domain.Settlement;
using Npgsql;
using NpgsqlTypes;

namespace Metering.Persistence.Settlement;

/// <summary>
/// Reads agreements: a header query selecting <see cref="Columns"/> (in that order), then their rate cards and
/// tiers in one round trip.
/// </summary>
internal static class AgreementReader
{
    public const string Columns = "a.agreement_id, a.host_id, a.effective_month, a.currency, a.revenue_basis, a.minimum_payment, a.created_at, a.updated_at, a.revision";

    public const string ByIdsSql = $"SELECT {Columns} FROM settlement_agreements a WHERE a.agreement_id = ANY(@Ids)";

    public const string InForceSql = $"""
        SELECT DISTINCT ON (a.host_id) {Columns}
        FROM settlement_agreements a
        WHERE a.effective_month <= @Month AND (@AllHosts OR a.host_id = ANY(@Hosts))
        ORDER BY a.host_id, a.effective_month DESC
        """;

    private const string ChildrenSql = """
        SELECT agreement_id, model, price_per_million_input_tokens, price_per_million_output_tokens, price_per_thousand_requests
        FROM settlement_rate_card_entries WHERE agreement_id = ANY(@Ids) ORDER BY agreement_id, position;
        SELECT agreement_id, from_amount, share_percent
        FROM settlement_share_tiers WHERE agreement_id = ANY(@Ids) ORDER BY agreement_id, position;
        """;

    /// <summary>Runs <paramref name="header"/> and returns its agreements, in its order, with their terms.</summary>
    public static async Task<List<Agreement>> ReadAsync(NpgsqlCommand header, CancellationToken cancellationToken)
    {
        var rows = new List<(string Id, string Host, DateOnly Month, string Currency, string Basis, decimal? Minimum, DateTime Created, DateTime Updated, long Revision)>();
        await using (var reader = await header.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                rows.Add((reader.GetString(0), reader.GetString(1), reader.GetFieldValue<DateOnly>(2), reader.GetString(3), reader.GetString(4),
                    reader.GetDecimalOrNull(5), reader.GetUtc(6), reader.GetUtc(7), reader.GetInt64(8)));
            }
        }

        if (rows.Count == 0)
        {
            return [];
        }

        var rates = new Dictionary<string, List<RateCardEntry>>(StringComparer.Ordinal);
        var tiers = new Dictionary<string, List<ShareTier>>(StringComparer.Ordinal);
        await using (var children = SqlCommands.Create(header.Connection!, header.Transaction, ChildrenSql).WithTexts("Ids", rows.Select(r => r.Id)))
        await using (var reader = await children.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                Add(rates, reader.GetString(0), new RateCardEntry(reader.GetString(1), reader.GetDecimal(2), reader.GetDecimal(3), reader.GetDecimal(4)));
            }

            await reader.NextResultAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                Add(tiers, reader.GetString(0), new ShareTier(reader.GetDecimal(1), reader.GetDecimal(2)));
            }
        }

        return rows.Select(r => new Agreement(
            r.Id,
            r.Host,
            YearMonth.FromFirstDay(r.Month),
            new AgreementTerms(Currency.FromCode(r.Currency), SettlementCodes.Basis(r.Basis), rates.GetValueOrDefault(r.Id) ?? [], tiers.GetValueOrDefault(r.Id) ?? [], r.Minimum),
            r.Created,
            r.Updated,
            r.Revision)).ToList();
    }

    /// <summary>The agreement in force for <paramref name="month"/> of each host (all hosts when <paramref name="hosts"/> is null).</summary>
    public static async Task<Dictionary<string, Agreement>> InForceAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IReadOnlyCollection<string>? hosts, YearMonth month, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, transaction, InForceSql)
            .WithDate("Month", month.FirstDay)
            .WithBool("AllHosts", hosts is null)
            .WithTexts("Hosts", hosts ?? []);
        return (await ReadAsync(command, cancellationToken)).ToDictionary(a => a.HostId, StringComparer.Ordinal);
    }

    public static async Task<Dictionary<string, Agreement>> ByIdsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, IEnumerable<string> ids, CancellationToken cancellationToken)
    {
        await using var command = SqlCommands.Create(connection, transaction, ByIdsSql).With("Ids", ids.Distinct(StringComparer.Ordinal).ToArray(), NpgsqlDbType.Array | NpgsqlDbType.Text);
        return (await ReadAsync(command, cancellationToken)).ToDictionary(a => a.AgreementId, StringComparer.Ordinal);
    }

    private static void Add<T>(Dictionary<string, List<T>> map, string key, T value)
    {
        if (!map.TryGetValue(key, out var list))
        {
            map[key] = list = [];
        }

        list.Add(value);
    }
}
