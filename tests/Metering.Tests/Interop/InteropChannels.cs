using System.Net;
using Metering.Grpc;

namespace Metering.Tests.Interop;

/// <summary>Channels of our client for the interop cases: h2c, or TLS trusting only the interop certificate.</summary>
internal static class InteropChannels
{
    public static GrpcChannel Create(Uri address, InteropCertificate? trusted)
    {
        var transport = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = true,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            ConnectTimeout = TimeSpan.FromSeconds(10),
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        };
        if (trusted is not null)
        {
            transport.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) => trusted.Validate(certificate, errors);
        }

        return GrpcChannel.ForAddress(address, new GrpcChannelOptions { HttpHandler = new ResponseMessageTap(transport) });
    }
}
