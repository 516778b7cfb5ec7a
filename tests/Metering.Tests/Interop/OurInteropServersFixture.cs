using Metering.Grpc;
using Metering.Tests.Infrastructure;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Xunit;

namespace Metering.Tests.Interop;

/// <summary>
/// Our server with grpc.testing.TestService (never UnimplementedService), once over h2c and once over TLS. The
/// Python interop client is run against each transport at most once, with every case, and its per-case results
/// are kept for the Theory rows.
/// </summary>
public sealed class OurInteropServersFixture : IAsyncLifetime
{
    private static readonly TimeSpan PythonClientTimeout = TimeSpan.FromSeconds(60);

    private readonly CancellationTokenSource _disposing = new();
    private readonly object _gate = new();
    private readonly Task<PythonClientRun>?[] _runs = new Task<PythonClientRun>?[2];
    private TestServerHost? _h2c;
    private TestServerHost? _tls;

    internal InteropCertificate Certificate { get; } = InteropCertificate.Create();

    internal TestServerHost H2c => _h2c ?? throw new InvalidOperationException("Not started.");

    internal TestServerHost Tls => _tls ?? throw new InvalidOperationException("Not started.");

    public async Task InitializeAsync()
    {
        var servers = await Task.WhenAll(
            TestServerHost.StartAsync(AddTestService),
            TestServerHost.StartAsync(AddTestServiceOverTls, Certificate.Certificate));
        _h2c = servers[0];
        _tls = servers[1];
    }

    internal TestServerHost Server(bool tls) => tls ? Tls : H2c;

    /// <summary>The Python client's results for every case on one transport (started on first use).</summary>
    internal Task<PythonClientRun> PythonClientRunAsync(bool tls)
    {
        lock (_gate)
        {
            return _runs[tls ? 1 : 0] ??= RunPythonClientAsync(tls);
        }
    }

    public async Task DisposeAsync()
    {
        await _disposing.CancelAsync();
        foreach (var run in _runs)
        {
            if (run is not null)
            {
                await run.ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }

        if (_h2c is not null)
        {
            await _h2c.DisposeAsync();
        }

        if (_tls is not null)
        {
            await _tls.DisposeAsync();
        }

        Certificate.Dispose();
        _disposing.Dispose();
    }

    private static void AddTestService(IServiceCollection services)
    {
        services.AddGrpcService<TestServiceImpl>(TestServiceMethods.TestService);
    }

    /// <summary>
    /// interop_client.py checks response compression flags through a local relay: grpcio speaks h2c to the relay
    /// (so its requests say :scheme http) and the relay speaks TLS to us. Kestrel refuses a :scheme that differs
    /// from the transport with RST_STREAM(PROTOCOL_ERROR) unless told otherwise; gRPC servers (grpc-core, grpc-go,
    /// grpc-java) ignore :scheme, so the TLS server used for these runs accepts it too.
    /// </summary>
    private static void AddTestServiceOverTls(IServiceCollection services)
    {
        AddTestService(services);
        services.Configure<KestrelServerOptions>(kestrel => kestrel.AllowAlternateSchemes = true);
    }

    private async Task<PythonClientRun> RunPythonClientAsync(bool tls)
    {
        if (await PythonProcess.GrpcProblemAsync() is { } problem)
        {
            return PythonClientRun.Unavailable(problem);
        }

        var server = Server(tls).Address;
        List<string> arguments = ["--server_host", server.Host, "--server_port", server.Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--test_cases", string.Join(',', InteropCases.All)];
        if (tls)
        {
            arguments.AddRange(["--use_tls", "--ca_file", Certificate.CertificatePath, "--server_host_override", "localhost"]);
        }

        var run = await PythonProcess.RunAsync("interop_client.py", arguments, PythonClientTimeout, _disposing.Token);
        return PythonClientRun.Parse(run);
    }
}
