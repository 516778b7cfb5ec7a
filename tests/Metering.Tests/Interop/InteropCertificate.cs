using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Metering.Tests.Interop;

/// <summary>
/// A self-signed certificate for localhost / 127.0.0.1 made in-process, with a PEM copy of the certificate in a
/// temp folder for the foreign clients. Each client is told to trust exactly this certificate.
/// </summary>
internal sealed class InteropCertificate : IDisposable
{
    private readonly string _directory;

    private InteropCertificate(X509Certificate2 certificate, string directory)
    {
        Certificate = certificate;
        _directory = directory;
        CertificatePath = Path.Combine(directory, "server.pem");
    }

    public X509Certificate2 Certificate { get; }

    public string CertificatePath { get; }

    public static InteropCertificate Create()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: true, pathLengthConstraint: 0, critical: true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyCertSign, critical: true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, critical: false));
        var now = DateTimeOffset.UtcNow;
        var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(2));

        var directory = Directory.CreateTempSubdirectory("metering-interop-tls-").FullName;
        var result = new InteropCertificate(certificate, directory);
        File.WriteAllText(result.CertificatePath, certificate.ExportCertificatePem());
        return result;
    }

    /// <summary>An HTTP/2 handler for a C# channel that accepts this certificate and nothing else.</summary>
    public SocketsHttpHandler CreateTrustingHandler()
    {
        var handler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true };
        handler.SslOptions.RemoteCertificateValidationCallback = (_, presented, _, errors) => Validate(presented, errors);
        return handler;
    }

    /// <summary>Accepts the server certificate only when it is this one (the name must match too).</summary>
    public bool Validate(X509Certificate? presented, SslPolicyErrors errors)
    {
        if (presented is null || (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) != SslPolicyErrors.None)
        {
            return false;
        }

        return presented.GetRawCertData().AsSpan().SequenceEqual(Certificate.RawData);
    }

    public void Dispose()
    {
        Certificate.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
