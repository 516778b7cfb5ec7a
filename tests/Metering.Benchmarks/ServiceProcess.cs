using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Metering.Benchmarks;

/// <summary>
/// The metering service as its own process (release build, against the Redis and PostgreSQL of METERING_REDIS /
/// METERING_POSTGRES), on free loopback ports, with a bootstrap ADMIN key of its own and its log under .bench/.
/// </summary>
internal sealed class ServiceProcess : IDisposable
{
    public const string AdminKeyPrefix = "bench-admin-";

    private readonly Process _process;

    private ServiceProcess(Process process, Uri address, Uri httpAddress, string adminKey)
    {
        _process = process;
        Address = address;
        HttpAddress = httpAddress;
        AdminKey = adminKey;
    }

    public Uri Address { get; }

    /// <summary>The HTTP/1.1 endpoint (<c>/healthz</c>, <c>/metrics</c>).</summary>
    public Uri HttpAddress { get; }

    public string AdminKey { get; }

    public int Pid => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the service (building it first if its output is missing) and waits until it reports SERVING.</summary>
    public static async Task<ServiceProcess> StartAsync(string logName, IReadOnlyDictionary<string, string>? settings = null)
    {
        var root = BenchResults.RepositoryRoot();
        var configuration = Environment.GetEnvironmentVariable("METERING_BENCH_CONFIGURATION") is { Length: > 0 } c ? c : "Release";
        var dll = await EnsureBuiltAsync(root, configuration, "services/Metering.Service/Metering.Service.csproj", "services/Metering.Service/bin/{0}/net10.0/Metering.Service.dll");
        var port = FreePort();
        var httpPort = FreePort();
        var adminKey = AdminKeyPrefix + Guid.NewGuid().ToString("N");
        var log = Path.Combine(root, ".bench", logName);
        Directory.CreateDirectory(Path.GetDirectoryName(log)!);
        var start = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.Environment["Redis__Configuration"] = Require("METERING_REDIS");
        start.Environment["Postgres__ConnectionString"] = Require("METERING_POSTGRES");
        start.Environment["Security__BootstrapAdminKey"] = adminKey;
        start.Environment["Kestrel__Endpoints__Grpc__Url"] = $"http://127.0.0.1:{port}";
        start.Environment["Kestrel__Endpoints__Http__Url"] = $"http://127.0.0.1:{httpPort}";
        start.Environment["Logging__LogLevel__Default"] = "Warning";
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            start.Environment[key] = value;
        }

        var writer = new StreamWriter(log, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Write(e.Data);
        process.ErrorDataReceived += (_, e) => Write(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var service = new ServiceProcess(process, new Uri($"http://127.0.0.1:{port}"), new Uri($"http://127.0.0.1:{httpPort}"), adminKey);
        Console.WriteLine($"bench: service {dll} on {service.Address} (log {log})");
        try
        {
            await service.WaitForServingAsync(TimeSpan.FromSeconds(60), log);
        }
        catch
        {
            service.Dispose();
            throw;
        }

        return service;

        void Write(string? line)
        {
            if (line is not null)
            {
                lock (writer)
                {
                    writer.WriteLine(line);
                }
            }
        }
    }

    /// <summary>Builds <paramref name="project"/> unless its output exists; returns the output's path.</summary>
    public static async Task<string> EnsureBuiltAsync(string root, string configuration, string project, string output)
    {
        var path = Path.Combine(root, string.Format(CultureInfo.InvariantCulture, output, configuration));
        if (File.Exists(path))
        {
            return path;
        }

        Console.WriteLine($"bench: {path} is missing; dotnet build -c {configuration} {project}");
        using var build = Process.Start(new ProcessStartInfo("dotnet", ["build", "-c", configuration, Path.Combine(root, project), "-nologo", "-v", "q"]) { UseShellExecute = false })!;
        await build.WaitForExitAsync();
        return build.ExitCode == 0 && File.Exists(path) ? path : throw new InvalidOperationException($"building {project} failed (exit {build.ExitCode})");
    }

    public static string Require(string name)
        => Environment.GetEnvironmentVariable(name) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException($"{name} is not set: this benchmark needs the Redis and PostgreSQL that scripts/bench.sh starts (`make bench`).");

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        _process.Dispose();
    }

    private async Task WaitForServingAsync(TimeSpan timeout, string log)
    {
        using var channel = GrpcChannel.ForAddress(Address);
        var health = new Health.HealthClient(channel);
        var stopwatch = Stopwatch.StartNew();
        var last = "no answer";
        while (stopwatch.Elapsed < timeout)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"the metering service exited with {_process.ExitCode} before it was SERVING; see {log}");
            }

            try
            {
                var response = await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2));
                if (response.Status == HealthCheckResponse.Types.ServingStatus.Serving)
                {
                    Console.WriteLine($"bench: service SERVING after {stopwatch.Elapsed.TotalSeconds:0.0} s");
                    return;
                }

                last = response.Status.ToString();
            }
            catch (RpcException ex)
            {
                last = $"{ex.StatusCode}: {ex.Status.Detail}";
            }

            await Task.Delay(200);
        }

        throw new InvalidOperationException($"the metering service was not SERVING after {timeout.TotalSeconds:0} s (last: {last})");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
