using System.Text.Json;

namespace Metering.Tests.Interop;

/// <summary>The per-case results interop_client.py printed (one JSON line per case), with the raw run for failures.</summary>
internal sealed class PythonClientRun
{
    private readonly Dictionary<string, (bool Passed, string? Error)> _results;

    private PythonClientRun(Dictionary<string, (bool Passed, string? Error)> results, string description)
    {
        _results = results;
        Description = description;
    }

    /// <summary>Exit code, stdout and stderr of the run, or why it could not run.</summary>
    public string Description { get; }

    public static PythonClientRun Unavailable(string problem) => new([], problem);

    public static PythonClientRun Parse(PythonRun run)
    {
        var results = new Dictionary<string, (bool, string?)>(StringComparer.Ordinal);
        foreach (var line in run.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!line.StartsWith('{'))
            {
                continue;
            }

            try
            {
                using var json = JsonDocument.Parse(line);
                var root = json.RootElement;
                if (root.TryGetProperty("case", out var name) && root.TryGetProperty("passed", out var passed))
                {
                    var error = root.TryGetProperty("error", out var e) && e.ValueKind != JsonValueKind.Null ? e.ToString() : null;
                    results[name.GetString()!] = (passed.ValueKind == JsonValueKind.True, error);
                }
            }
            catch (JsonException)
            {
                // Not a result line; it stays visible in the description.
            }
        }

        return new PythonClientRun(results, run.Describe());
    }

    public bool TryGetResult(string testCase, out bool passed, out string? error)
    {
        if (_results.TryGetValue(testCase, out var result))
        {
            (passed, error) = result;
            return true;
        }

        passed = false;
        error = null;
        return false;
    }
}
