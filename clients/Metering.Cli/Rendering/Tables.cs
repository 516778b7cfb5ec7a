using Spectre.Console;
using Spectre.Console.Rendering;

namespace Metering.Cli.Rendering;

/// <summary>
/// Spectre.Console tables as the renderers build them: text cells (never markup), each column left- or right-aligned,
/// and an optional totals row as the table's footer. <see cref="ConsoleView.Write(Table, string)"/> draws them.
/// </summary>
internal static class Tables
{
    /// <summary>A table with these columns; <c>Right</c> aligns a column's cells (numbers) to the right.</summary>
    public static Table Create(params (string Header, Justify Align)[] columns)
    {
        var table = new Table();
        foreach (var (header, align) in columns)
        {
            table.AddColumn(new TableColumn(new Text(header)) { Alignment = align });
        }

        return table;
    }

    /// <summary>Adds a row of plain text; missing trailing cells are empty.</summary>
    public static void AddTextRow(this Table table, params string[] cells)
    {
        if (cells.Length > table.Columns.Count)
        {
            throw new ArgumentException($"A row has {cells.Length} cells for {table.Columns.Count} columns.", nameof(cells));
        }

        table.AddRow(Enumerable.Range(0, table.Columns.Count).Select(i => (IRenderable)new Text(i < cells.Length ? cells[i] ?? string.Empty : string.Empty)));
    }

    /// <summary>Sets the totals row, drawn below a rule at the end of the table.</summary>
    public static void SetTotals(this Table table, params string[] cells)
    {
        for (var i = 0; i < table.Columns.Count; i++)
        {
            table.Columns[i].Footer = new Text(i < cells.Length ? cells[i] ?? string.Empty : string.Empty);
        }

        table.ShowFooters = true;
    }
}
