using Xunit;

namespace Metering.Tests.Interop;

/// <summary>Our interop client against our own server, so a failure against Python can be told apart from a local one.</summary>
public sealed class OurClientAgainstOurServerTests : IClassFixture<OurInteropServersFixture>
{
    private readonly OurInteropServersFixture _servers;

    public OurClientAgainstOurServerTests(OurInteropServersFixture servers) => _servers = servers;

    [Theory]
    [MemberData(nameof(InteropCases.WithTransports), MemberType = typeof(InteropCases))]
    public async Task OurClient_AgainstOurServer_Passes(string testCase, bool tls)
    {
        using var channel = InteropChannels.Create(_servers.Server(tls).Address, tls ? _servers.Certificate : null);
        await new InteropClient(channel).RunAsync(testCase);
    }
}
