using Grpc.Net.Client;
using Metering.Contracts.V1;
using Metering.Testing;

namespace Metering.Settlement.Tests.Infrastructure;

/// <summary>
/// One settlement service (own database, test clock at <see cref="Now"/>) and a client of it, per test class. Tests
/// of a class share the database, so each uses its own host ids.
/// </summary>
public abstract class SettlementTestBase : IAsyncLifetime
{
    /// <summary>The clock of every integration test unless a test moves it: January to March 2025 are closed months.</summary>
    public static readonly DateTime Now = new(2025, 4, 10, 12, 0, 0, DateTimeKind.Utc);

    private GrpcChannel _channel = null!;

    protected SettlementServiceHost Service { get; private set; } = null!;

    protected SettlementService.SettlementServiceClient Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Service = await SettlementServiceHost.StartAsync(Now, Settings);
        _channel = Service.CreateChannel();
        Client = new SettlementService.SettlementServiceClient(_channel);
    }

    public async Task DisposeAsync()
    {
        _channel.Dispose();
        await Service.DisposeAsync();
    }

    protected virtual IDictionary<string, string?>? Settings => null;

    protected static DateTime At(int year, int month, int day, int hour) => new(year, month, day, hour, 0, 0, DateTimeKind.Utc);
}
