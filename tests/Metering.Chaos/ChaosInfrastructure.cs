using System.Diagnostics;
using System.Text.RegularExpressions;

namespace Metering.Chaos;

/// <summary>
/// A Redis and a PostgreSQL of the suite's own (scripts/infra.sh in a temp folder), so killing them harms
/// nothing else; with the commands to kill and restart each.
/// </summary>
internal sealed partial class ChaosInfrastructure : IAsyncDisposable
{
    private readonly string _repositoryRoot;
    private readonly string _directory;
    private readonly Dictionary<string, string> _env;

    private ChaosInfrastructure(string repositoryRoot, string directory, Dictionary<string, string> env)
    {
        _repositoryRoot = repositoryRoot;
        _directory = directory;
        _env = env;
    }

    public string Redis => _env["METERING_REDIS"];

    public string Postgres => _env["METERING_POSTGRES"];

    public static async Task<ChaosInfrastructure> StartAsync(string repositoryRoot)
    {
        var directory = Path.Combine(Path.GetTempPath(), "metering-chaos-" + Guid.NewGuid().ToString("N")[..8]);
        await Shell.RunAsync($"bash scripts/infra.sh start {directory}", repositoryRoot, TimeSpan.FromMinutes(3));
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var line in await File.ReadAllLinesAsync(Path.Combine(directory, "env")))
        {
            var match = ExportLine().Match(line);
            if (match.Success)
            {
                env[match.Groups[1].Value] = match.Groups[2].Success ? match.Groups[2].Value : match.Groups[3].Value;
            }
        }

        return new ChaosInfrastructure(repositoryRoot, directory, env);
    }

    public async Task KillRedisAsync()
    {
        var pid = int.Parse((await File.ReadAllTextAsync(_env["METERING_REDIS_PIDFILE"])).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.GetProcessById(pid);
        process.Kill();
        await process.WaitForExitAsync();
    }

    public Task StartRedisAsync() => Shell.RunAsync(_env["METERING_REDIS_START_CMD"], _repositoryRoot, TimeSpan.FromSeconds(30));

    public Task StopPostgresAsync() => Shell.RunAsync(_env["METERING_PG_STOP_CMD"] + " immediate", _repositoryRoot, TimeSpan.FromSeconds(60));

    public Task StartPostgresAsync() => Shell.RunAsync(_env["METERING_PG_START_CMD"], _repositoryRoot, TimeSpan.FromSeconds(60));

    public async ValueTask DisposeAsync()
    {
        await Shell.RunAsync($"bash scripts/infra.sh stop {_directory}", _repositoryRoot, TimeSpan.FromMinutes(1));
    }

    [GeneratedRegex("^export ([A-Z_]+)=(?:'([^']*)'|\"([^\"]*)\")$")]
    private static partial Regex ExportLine();
}
