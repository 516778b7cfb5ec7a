namespace Metering.Cli.Rendering;

/// <summary>CSV as RFC 4180 writes it (quotes only where needed), with \n line ends.</summary>
internal static class Csv
{
    public static void WriteRow(TextWriter writer, IEnumerable<string> cells)
        => writer.Write(string.Join(',', cells.Select(Escape)) + "\n");

    public static string Escape(string cell)
        => cell.AsSpan().IndexOfAny(",\"\r\n") < 0 ? cell : "\"" + cell.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";
}
