using Xunit;
using Xunit.Sdk;

namespace Metering.Tests.Interop;

/// <summary>Our client against grpcio's interop server (Python): every case, h2c and TLS.</summary>
public sealed class OurClientAgainstPythonServerTests : IClassFixture<PythonInteropServersFixture>
{
    private readonly PythonInteropServersFixture _servers;

    public OurClientAgainstPythonServerTests(PythonInteropServersFixture servers) => _servers = servers;

    [Theory]
    [MemberData(nameof(InteropCases.WithTransports), MemberType = typeof(InteropCases))]
    public async Task OurClient_AgainstPythonServer_Passes(string testCase, bool tls)
    {
        using var channel = InteropChannels.Create(_servers.Address(tls), tls ? _servers.Certificate : null);
        try
        {
            await new InteropClient(channel).RunAsync(testCase);
        }
        catch (Exception ex) when (ex is not XunitException)
        {
            throw new XunitException($"{testCase} failed against the Python server: {ex}\n{_servers.Output(tls)}");
        }
    }
}
