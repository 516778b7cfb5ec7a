using Grpc.Net.Client;
using Metering.Testing;
using Xunit;

namespace Metering.Tests.Interop;

/// <summary>
/// The metering service (h2c) for the hostile-input tests, with the flusher off so that a host's Redis keys stay
/// exactly as the last applied batch left them and any change a refused request made would show.
/// </summary>
public sealed class HostileInputFixture : IAsyncLifetime
{
    private MeteringServiceHost? _host;
    private GrpcChannel? _channel;

    internal MeteringServiceHost Host => _host ?? throw new InvalidOperationException("Not started.");

    internal GrpcChannel Channel => _channel ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _host = await MeteringServiceHost.StartAsync(settings: new Dictionary<string, string?> { ["Flush:Enabled"] = "false" });
        _channel = _host.CreateChannel();
    }

    public async Task DisposeAsync()
    {
        _channel?.Dispose();
        if (_host is not null)
        {
            await _host.DisposeAsync();
        }

    }
}
