using Metering.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Metering.Benchmarks;

/// <summary>
/// Calibration: bare Kestrel (the services' Kestrel settings) answering every request with a fixed empty gRPC message
/// and grpc-status 0, no gRPC stack at all. Its calls/s under the same h2load run say how fast this machine is right
/// now, so the gRPC stack's figure can be read as a ratio.
/// </summary>
internal sealed class BareKestrelServer : IAsyncDisposable
{
    private static readonly byte[] EmptyMessage = new byte[5];
    private readonly InProcessServer _server;
    private readonly Counter _calls;

    private BareKestrelServer(InProcessServer server, Counter calls)
    {
        _server = server;
        _calls = calls;
    }

    public Uri Address => _server.Address;

    public long Calls => Interlocked.Read(ref _calls.Value);

    public static async Task<BareKestrelServer> StartAsync()
    {
        var calls = new Counter();
        var server = await InProcessServer.StartAsync(
            new Dictionary<string, string?>(),
            static (_, _) => { },
            app => app.Run(async context =>
            {
                context.Response.ContentType = "application/grpc";
                await context.Response.BodyWriter.WriteAsync(EmptyMessage);
                context.Response.AppendTrailer("grpc-status", "0");
                Interlocked.Increment(ref calls.Value);
            }));
        return new BareKestrelServer(server, calls);
    }

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private sealed class Counter
    {
        public long Value;
    }
}
