using Grpc.Net.Client;
using Metering.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>A Kestrel server running <see cref="FakeIngestService"/> over a ledger that outlives it.</summary>
public sealed class IngestServer : IAsyncDisposable
{
    private readonly InProcessServer _host;
    private int _disposed;

    private IngestServer(InProcessServer host, FakeIngestService service, IngestLedger ledger)
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
        var host = await FakeServer.StartAsync(services => services.AddSingleton(service), static app => app.MapGrpcService<FakeIngestService>());
        return new IngestServer(host, service, ledger);
    }

    /// <summary>A new channel to <see cref="Address"/>; the caller disposes it.</summary>
    public GrpcChannel CreateChannel() => _host.CreateChannel();

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
