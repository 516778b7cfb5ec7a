using Xunit;

namespace Metering.Tests.Interop;

/// <summary>grpcio's interop client (Python) against our server: every case, h2c and TLS.</summary>
public sealed class PythonClientAgainstOurServerTests : IClassFixture<OurInteropServersFixture>
{
    private readonly OurInteropServersFixture _servers;

    public PythonClientAgainstOurServerTests(OurInteropServersFixture servers) => _servers = servers;

    [Theory]
    [MemberData(nameof(InteropCases.WithTransports), MemberType = typeof(InteropCases))]
    public async Task PythonClient_AgainstOurServer_Passes(string testCase, bool tls)
    {
        // Both transports' runs start together the first time any row asks; every later row reads the cache.
        var h2c = _servers.PythonClientRunAsync(tls: false);
        var overTls = _servers.PythonClientRunAsync(tls: true);
        var run = await (tls ? overTls : h2c);
        Assert.True(run.TryGetResult(testCase, out var passed, out var error), $"interop_client.py reported no result for {testCase}.\n{run.Description}");
        Assert.True(passed, $"{testCase} failed against our server: {error}");
    }
}
