using Npgsql;

namespace Metering.Persistence;

/// <summary>Usage in PostgreSQL: the hourly table the flusher writes, read by usage queries (<see cref="UsageReadSession"/>).</summary>
public sealed class UsageRepository
{
    private readonly NpgsqlDataSource _dataSource;

    public UsageRepository(NpgsqlDataSource dataSource) => _dataSource = dataSource;

    /// <summary>Opens one repeatable-read transaction for the reads of one usage query.</summary>
    public Task<UsageReadSession> BeginReadAsync(CancellationToken cancellationToken) => UsageReadSession.BeginAsync(_dataSource, cancellationToken);
}
