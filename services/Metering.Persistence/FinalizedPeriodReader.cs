using Metering.Domain.Settlement;
using Npgsql;

namespace Metering.Persistence;

/// <summary>Which months of a host have a FINAL settlement statement (the settlement service writes them).</summary>
public sealed class FinalizedPeriodReader
{
    private const string FinalPeriodsSql = """
        SELECT period FROM settlement_statements WHERE host_id = @HostId AND status = 'FINAL' ORDER BY period
        """;

    private readonly NpgsqlDataSource _dataSource;

    public FinalizedPeriodReader(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Every month the host has a FINAL statement for, oldest first.</summary>
    public async Task<IReadOnlyList<YearMonth>> ListFinalPeriodsAsync(string hostId, CancellationToken cancellationToken)
    {
        // Read with Npgsql directly: Dapper does not map DateOnly (what Npgsql returns for a date).
        await using var connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = new NpgsqlCommand(FinalPeriodsSql, connection);
        command.Parameters.Add(new NpgsqlParameter("HostId", NpgsqlTypes.NpgsqlDbType.Text) { Value = hostId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var periods = new List<YearMonth>();
        while (await reader.ReadAsync(cancellationToken))
        {
            periods.Add(YearMonth.FromFirstDay(reader.GetFieldValue<DateOnly>(0)));
        }

        return periods;
    }
}
