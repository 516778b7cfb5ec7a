using Metering.Contracts.V1;
using Metering.Grpc;
using Microsoft.Extensions.DependencyInjection;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>A Kestrel server running <see cref="FakeIngestService"/> over a ledger that outlives it.</summary>
public sealed class IngestServer : IAsyncDisposable
{
    private readonly TestServerHost _host;
    private int _disposed;

    private IngestServer(TestServerHost host, FakeIngestService service, IngestLedger ledger)
    {
        _host = host;
        Service = service;
        Ledger = ledger;
    }

    public Uri Address => _host.Address;

    public FakeIngestService Service { get; }

    public IngestLedger Ledger { get; }

    public static async Task<IngestServer> StartAsync(IngestLedger? ledger = null)
    {
        ledger ??= new IngestLedger();
        var service = new FakeIngestService(ledger);
        var host = await TestServerHost.StartAsync(services =>
        {
            services.AddSingleton(service);
            services.AddGrpcService<FakeIngestService>(IngestReflection.Descriptor.Services[0]);
        });
        return new IngestServer(host, service, ledger);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        Service.RefuseStreams = true;
        Service.KillAllStreams();
        await _host.DisposeAsync();
    }
}
