using System.Globalization;
using Grpc.Net.Client;
using Metering.Testing;
using Xunit;

namespace Metering.Tests.Interop;

/// <summary>
/// The metering service twice for the foreign clients: over h2c and over TLS (a self-signed certificate that the
/// clients are told to trust), each against the real Redis and its own PostgreSQL database. Every test makes its
/// own host, so totals never mix.
/// </summary>
public sealed class MeteringInteropFixture : IAsyncLifetime
{
    private MeteringServiceHost? _h2c;
    private MeteringServiceHost? _tls;
    private GrpcChannel? _h2cChannel;
    private GrpcChannel? _tlsChannel;

    internal InteropCertificate Certificate { get; } = InteropCertificate.Create();

    internal MeteringServiceHost H2c => _h2c ?? throw new InvalidOperationException("Not started.");

    internal MeteringServiceHost Tls => _tls ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        _h2c = await MeteringServiceHost.StartAsync();
        _tls = await MeteringServiceHost.StartAsync(certificate: Certificate.Certificate);
        _h2cChannel = _h2c.CreateChannel();
        _tlsChannel = _tls.CreateChannel(new GrpcChannelOptions { HttpHandler = Certificate.CreateTrustingHandler() });
    }

    /// <summary>"127.0.0.1:port" of a service, the target the foreign clients dial.</summary>
    internal string Target(bool tls) => "127.0.0.1:" + (tls ? Tls : H2c).Address.Port.ToString(CultureInfo.InvariantCulture);

    /// <summary>The grpcio client of one service (TLS: trusting only the fixture's certificate).</summary>
    internal PythonMeteringClient Python(bool tls) => tls ? new PythonMeteringClient(Tls.Address, Certificate) : new PythonMeteringClient(H2c.Address, null);

    /// <summary>Our channel to a service, for the setup of a test (hosts, keys).</summary>
    internal GrpcChannel Channel(bool tls) => (tls ? _tlsChannel : _h2cChannel) ?? throw new InvalidOperationException("Not started.");

    /// <summary>Creates a host on one service (through AdminService) and returns it with the secret of a HOST key.</summary>
    internal Task<(string HostId, string Key)> NewHostAsync(bool tls = false) => InteropHosts.CreateHostAsync(Channel(tls));

    public async Task DisposeAsync()
    {
        _h2cChannel?.Dispose();
        _tlsChannel?.Dispose();
        if (_h2c is not null)
        {
            await _h2c.DisposeAsync();
        }

        if (_tls is not null)
        {
            await _tls.DisposeAsync();
        }

        Certificate.Dispose();
    }
}
