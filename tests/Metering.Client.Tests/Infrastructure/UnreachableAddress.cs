using System.Net;
using System.Net.Sockets;

namespace Metering.Client.Tests.Infrastructure;

/// <summary>A loopback address nothing listens on: connections are refused at once.</summary>
public static class UnreachableAddress
{
    public static Uri Create()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return new Uri($"http://127.0.0.1:{port}");
    }
}
