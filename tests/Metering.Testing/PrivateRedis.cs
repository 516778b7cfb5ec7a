using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using StackExchange.Redis;

namespace Metering.Testing;

/// <summary>
/// A redis-server of one test's own (the binary that `make test` installs), on a free loopback port, with the
/// project's durability settings: for tests that stop and restart Redis without disturbing the shared one.
/// </summary>
public sealed class PrivateRedis : IAsyncDisposable
{
    private readonly string _directory;
    private readonly int _port;
    private Process? _process;

    private PrivateRedis(string directory, int port)
    {
        _directory = directory;
        _port = port;
    }

    /// <summary>The StackExchange.Redis configuration string of this server.</summary>
    public string Address => $"127.0.0.1:{_port}";

    public static async Task<PrivateRedis> StartAsync()
    {
        var directory = Directory.CreateTempSubdirectory("metering-test-redis-").FullName;
        var redis = new PrivateRedis(directory, FreePort());
        await redis.RestartAsync();
        return redis;
    }

    /// <summary>Starts the server (again, on the same port and data) and waits until it answers PING.</summary>
    public async Task RestartAsync()
    {
        var start = new ProcessStartInfo("redis-server")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = _directory,
        };
        foreach (var argument in (string[])["--port", _port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", _directory, "--appendonly", "yes", "--appendfsync", "always", "--maxmemory-policy", "noeviction", "--save", string.Empty])
        {
            start.ArgumentList.Add(argument);
        }

        _process = Process.Start(start) ?? throw new InvalidOperationException("redis-server did not start.");
        _process.OutputDataReceived += static (_, _) => { };
        _process.ErrorDataReceived += static (_, _) => { };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        var watch = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                await using var connection = await ConnectionMultiplexer.ConnectAsync(Address + ",connectTimeout=500,abortConnect=true");
                await connection.GetDatabase().PingAsync();
                return;
            }
            catch (RedisConnectionException) when (watch.Elapsed < TimeSpan.FromSeconds(10) && !_process.HasExited)
            {
                await Task.Delay(50);
            }
        }
    }

    /// <summary>Kills the server (SIGKILL) and waits for it to exit.</summary>
    public async Task StopAsync()
    {
        if (_process is { HasExited: false } process)
        {
            process.Kill();
            await process.WaitForExitAsync();
        }

        _process?.Dispose();
        _process = null;
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        Directory.Delete(_directory, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
