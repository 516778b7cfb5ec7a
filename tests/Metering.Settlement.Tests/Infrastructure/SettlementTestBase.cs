using Metering.Grpc;

namespace Metering.Settlement.Tests.Infrastructure;

/// <summary>
/// One settlement service (own database, test clock at <see cref="Now"/>) and a channel to it, per test class. Tests
/// of a class share the database, so each uses its own host ids.
/// </summary>
public abstract class SettlementTestBase : IAsyncLifetime
{
    /// <summary>The clock of every integration test unless a test moves it: January to March 2025 are closed months.</summary>
    public static readonly DateTime Now = new(2025, 4, 10, 12, 0, 0, DateTimeKind.Utc);

    protected SettlementServiceHost Service { get; private set; } = null!;

    protected GrpcChannel Channel { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Service = await SettlementServiceHost.StartAsync(Now, Settings);
        Channel = GrpcChannel.ForAddress(Service.Address);
    }

    public async Task DisposeAsync()
    {
        Channel.Dispose();
        await Service.DisposeAsync();
    }

    protected virtual IDictionary<string, string?>? Settings => null;

    protected static DateTime At(int year, int month, int day, int hour) => new(year, month, day, hour, 0, 0, DateTimeKind.Utc);
}
