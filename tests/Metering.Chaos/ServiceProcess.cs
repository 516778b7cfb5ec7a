using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Metering.Chaos;

/// <summary>The metering service as its own process (the release build), always on the same port.</summary>
internal sealed class ServiceProcess : IAsyncDisposable
{
    public const string AdminKey = "chaos-bootstrap-admin-key-0123456789";

    private readonly string _dll;
    private readonly ChaosInfrastructure _infrastructure;
    private readonly string _logPath;
    private readonly int _httpPort;
    private Process? _process;

    public ServiceProcess(string repositoryRoot, string configuration, ChaosInfrastructure infrastructure)
    {
        _dll = Path.Combine(repositoryRoot, "services", "Metering.Service", "bin", configuration, "net10.0", "Metering.Service.dll");
        if (!File.Exists(_dll))
        {
            throw new FileNotFoundException($"Build the service first (dotnet build -c {configuration}): {_dll} is missing.");
        }

        _infrastructure = infrastructure;
        _logPath = Path.Combine(Path.GetTempPath(), $"metering-chaos-service-{Environment.ProcessId}.log");
        Address = new Uri($"http://127.0.0.1:{FreePort()}");
        _httpPort = FreePort();
    }

    public Uri Address { get; }

    public Process? Current => _process;

    /// <summary>Starts the process; waits until health says SERVING unless <paramref name="failpoints"/> are set (it may die soon).</summary>
    public async Task StartAsync(string? failpoints = null)
    {
        var start = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(_dll);
        start.Environment["Redis__Configuration"] = _infrastructure.Redis;
        start.Environment["Postgres__ConnectionString"] = _infrastructure.Postgres;
        start.Environment["Security__BootstrapAdminKey"] = AdminKey;
        start.Environment["Kestrel__Endpoints__Grpc__Url"] = Address.ToString();
        start.Environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{_httpPort}";
        start.Environment["Flush__Interval"] = "00:00:01";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        if (failpoints is not null)
        {
            start.Environment["METERING_FAILPOINTS"] = failpoints;
        }

        var process = Process.Start(start)!;
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        if (failpoints is null)
        {
            await WaitHealthyAsync(TimeSpan.FromSeconds(60));
        }
    }

    /// <summary>SIGKILL: no shutdown, no final flush.</summary>
    public async Task KillAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    /// <summary>Waits for the process to die by itself (a failpoint); false on timeout.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout)
    {
        if (_process is null)
        {
            return true;
        }

        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(cancel.Token);
            _process.Dispose();
            _process = null;
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    public string LogTail()
        => File.Exists(_logPath) ? string.Join('\n', File.ReadLines(_logPath).TakeLast(30)) : string.Empty;

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        File.Delete(_logPath);
    }

    private async Task WaitHealthyAsync(TimeSpan timeout)
    {
        using var channel = GrpcChannel.ForAddress(Address);
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_process is { HasExited: true })
            {
                throw new InvalidOperationException($"The service exited during start-up:\n{LogTail()}");
            }

            try
            {
                var response = await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (response.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    return;
                }
            }
            catch (RpcException)
            {
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"The service did not become healthy within {timeout}:\n{LogTail()}");
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_logPath)
            {
                File.AppendAllText(_logPath, line + "\n");
            }
        }
    }

    /// <summary>
    /// A free port below the kernel's range for outgoing connections, so no client socket can take it while the
    /// service is down between a kill and its restart.
    /// </summary>
    private static int FreePort()
    {
        var random = new Random();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var port = random.Next(20_000, 32_000);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
            }
        }

        throw new InvalidOperationException("No free port found for the service.");
    }
}
