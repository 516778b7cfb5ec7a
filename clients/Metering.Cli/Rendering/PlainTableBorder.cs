using Spectre.Console;
using Spectre.Console.Rendering;

namespace Metering.Cli.Rendering;

/// <summary>
/// The border of a table written for a program or a file rather than a terminal: columns separated by two spaces, a
/// rule of dashes under the header and above the footer (totals), no box characters, and no top or bottom line (they
/// come out empty and <see cref="ConsoleView"/> drops them).
/// </summary>
internal sealed class PlainTableBorder : TableBorder
{
    public const string Gap = "  ";

    public static PlainTableBorder Instance { get; } = new();

    public override bool SupportsRowSeparator => false;

    public override string GetPart(TableBorderPart part) => part switch
    {
        TableBorderPart.HeaderSeparator or TableBorderPart.CellSeparator => Gap,
        _ => string.Empty,
    };

    public override string GetColumnRow(TablePart part, IReadOnlyList<int> widths, IReadOnlyList<IColumn> columns) => part switch
    {
        TablePart.HeaderSeparator or TablePart.FooterSeparator => string.Join(Gap, widths.Select(w => new string('-', w))),
        _ => string.Empty,
    };
}
