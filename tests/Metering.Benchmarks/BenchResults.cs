using System.Globalization;
using System.Text.Json;

namespace Metering.Benchmarks;

/// <summary>Prints a result table and writes the figures as JSON under .bench/.</summary>
internal static class BenchResults
{
    public static void Report(string title, string fileName, IReadOnlyList<(string Key, string Label, double Value, string Unit)> rows)
    {
        Console.WriteLine();
        Console.WriteLine($"== {title}");
        var width = rows.Max(r => r.Label.Length);
        Console.WriteLine($"| {"measure".PadRight(width)} | {"value",14} | unit");
        Console.WriteLine($"|{new string('-', width + 2)}|{new string('-', 16)}|------");
        foreach (var row in rows)
        {
            Console.WriteLine($"| {row.Label.PadRight(width)} | {row.Value.ToString(Math.Abs(row.Value) < 10 && row.Value != Math.Round(row.Value) ? "N3" : "N1", CultureInfo.InvariantCulture),14} | {row.Unit}");
        }

        var directory = Path.Combine(RepositoryRoot(), ".bench");
        Directory.CreateDirectory(directory);
        var values = rows.ToDictionary(r => r.Key, r => Math.Round(r.Value, 3));
        var path = Path.Combine(directory, fileName);
        File.WriteAllText(path, JsonSerializer.Serialize(values, new JsonSerializerOptions { WriteIndented = true }));
        Console.WriteLine($"written to {path}");
    }

    public static string RepositoryRoot()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Metering.sln")))
        {
            directory = directory.Parent;
        }

        return directory?.FullName ?? Directory.GetCurrentDirectory();
    }
}
