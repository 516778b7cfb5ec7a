using Metering.Domain.Settlement;
using Npgsql;

namespace Metering.Persistence.Settlement;

/// <summary>Starts settlement runs (<see cref="SettlementRunSession"/>).</summary>
public sealed class SettlementRunStore
{
    private readonly NpgsqlDataSource _dataSource;

    public SettlementRunStore(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Opens the run's transaction; waits while another run of the same period is in progress.</summary>
    public Task<SettlementRunSession> BeginAsync(YearMonth period, CancellationToken cancellationToken)
        => SettlementRunSession.BeginAsync(_dataSource, period, cancellationToken);
}
