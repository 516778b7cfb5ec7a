using Xunit;

namespace Metering.Tests.Interop;

/// <summary>grpcio's interop server (Python), once over h2c and once over TLS with the interop certificate.</summary>
public sealed class PythonInteropServersFixture : IAsyncLifetime
{
    private static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    private PythonProcess? _h2c;
    private PythonProcess? _tls;
    private Uri? _h2cAddress;
    private Uri? _tlsAddress;

    internal InteropCertificate Certificate { get; } = InteropCertificate.Create();

    /// <summary>Why the servers are not running, or null when they are.</summary>
    internal string? Problem { get; private set; }

    public async Task InitializeAsync()
    {
        Problem = await PythonProcess.GrpcProblemAsync();
        if (Problem is not null)
        {
            return;
        }

        try
        {
            _h2c = PythonProcess.Start("interop_server.py", ["--port", "0"]);
            _tls = PythonProcess.Start("interop_server.py", ["--port", "0", "--use_tls", "--cert_file", Certificate.CertificatePath, "--key_file", Certificate.KeyPath]);
            var ports = await Task.WhenAll(_h2c.WaitForListeningAsync(StartTimeout), _tls.WaitForListeningAsync(StartTimeout));
            _h2cAddress = new Uri($"http://127.0.0.1:{ports[0]}");
            _tlsAddress = new Uri($"https://127.0.0.1:{ports[1]}");
        }
        catch (Exception ex) when (ex is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            Problem = "interop_server.py did not start: " + ex.Message;
        }
    }

    internal Uri Address(bool tls)
    {
        Assert.True(Problem is null, Problem);
        return (tls ? _tlsAddress : _h2cAddress)!;
    }

    /// <summary>What the server process printed so far (for failure messages).</summary>
    internal string Output(bool tls)
    {
        var process = tls ? _tls : _h2c;
        return process is null ? string.Empty : $"python server stderr:\n{process.StandardError}";
    }

    public async Task DisposeAsync()
    {
        if (_h2c is not null)
        {
            await _h2c.DisposeAsync();
        }

        if (_tls is not null)
        {
            await _tls.DisposeAsync();
        }

        Certificate.Dispose();
    }
}
