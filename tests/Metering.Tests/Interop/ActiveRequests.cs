using System.Diagnostics.Metrics;

namespace Metering.Tests.Interop;

/// <summary>
/// Counts the HTTP requests (gRPC calls) in progress on one in-process server, from the moment it is created: the
/// <c>http.server.active_requests</c> measurements of ASP.NET Core whose meter belongs to that server's
/// <see cref="IMeterFactory"/>. A call whose handler has returned no longer counts.
/// </summary>
internal sealed class ActiveRequests : IDisposable
{
    private readonly MeterListener _listener = new();
    private long _active;

    public ActiveRequests(IServiceProvider server)
    {
        var factory = (IMeterFactory?)server.GetService(typeof(IMeterFactory)) ?? throw new InvalidOperationException("The server has no IMeterFactory.");
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == "Microsoft.AspNetCore.Hosting" && instrument.Name == "http.server.active_requests" && ReferenceEquals(instrument.Meter.Scope, factory))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, delta, _, _) => Interlocked.Add(ref _active, delta));
        _listener.Start();
    }

    /// <summary>Requests started since creation and not finished yet.</summary>
    public long Count => Interlocked.Read(ref _active);

    /// <summary>Waits until <see cref="Count"/> is <paramref name="expected"/>; returns the last count seen.</summary>
    public async Task<long> WaitForAsync(long expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (Count != expected && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        return Count;
    }

    public void Dispose() => _listener.Dispose();
}
