namespace Metering.Cli.Rendering;

/// <summary>
/// A plain-text table: a header, a rule of dashes, rows, and optional rules between row groups. Columns are as wide as
/// their widest cell and separated by two spaces; trailing spaces are trimmed.
/// </summary>
internal sealed class TextTable
{
    private readonly string[] _headers;
    private readonly Align[] _aligns;
    private readonly List<string[]?> _rows = [];

    public TextTable(params (string Header, Align Align)[] columns)
    {
        _headers = columns.Select(c => c.Header).ToArray();
        _aligns = columns.Select(c => c.Align).ToArray();
    }

    public int RowCount => _rows.Count(r => r is not null);

    /// <summary>Adds a row; missing trailing cells are empty.</summary>
    public void AddRow(params string[] cells)
    {
        if (cells.Length > _headers.Length)
        {
            throw new ArgumentException($"A row has {cells.Length} cells for {_headers.Length} columns.", nameof(cells));
        }

        var row = new string[_headers.Length];
        for (var i = 0; i < row.Length; i++)
        {
            row[i] = i < cells.Length ? cells[i] ?? string.Empty : string.Empty;
        }

        _rows.Add(row);
    }

    /// <summary>Adds a rule of dashes under every column (before a totals row).</summary>
    public void AddRule() => _rows.Add(null);

    public void WriteTo(TextWriter writer, string indent = "")
    {
        var widths = new int[_headers.Length];
        for (var i = 0; i < widths.Length; i++)
        {
            widths[i] = _headers[i].Length;
            foreach (var row in _rows)
            {
                if (row is not null)
                {
                    widths[i] = Math.Max(widths[i], row[i].Length);
                }
            }
        }

        WriteLine(writer, indent, _headers, widths);
        WriteRule(writer, indent, widths);
        foreach (var row in _rows)
        {
            if (row is null)
            {
                WriteRule(writer, indent, widths);
            }
            else
            {
                WriteLine(writer, indent, row, widths);
            }
        }
    }

    private void WriteLine(TextWriter writer, string indent, string[] cells, int[] widths)
    {
        var parts = new string[cells.Length];
        for (var i = 0; i < cells.Length; i++)
        {
            parts[i] = _aligns[i] == Align.Right ? cells[i].PadLeft(widths[i]) : cells[i].PadRight(widths[i]);
        }

        writer.WriteLine((indent + string.Join("  ", parts)).TrimEnd());
    }

    private static void WriteRule(TextWriter writer, string indent, int[] widths)
        => writer.WriteLine(indent + string.Join("  ", widths.Select(w => new string('-', w))));
}
