using Spectre.Console;

namespace Metering.Cli.Rendering;

/// <summary>
/// One output stream of <c>metering</c> (stdout or stderr) and whether a person watches it in a terminal. In a terminal,
/// tables are Spectre.Console tables with box borders, and <see cref="WithStatusAsync{T}"/> shows a live status line.
/// Elsewhere (redirected to a file or a pipe, as in scripts and tests) tables are plain aligned text without ANSI codes
/// or box characters, lines are never wrapped, and no status is shown.
/// </summary>
internal sealed class ConsoleView
{
    /// <summary>Line width of plain output: wide enough that no table is wrapped or cut.</summary>
    private const int PlainWidth = 4096;

    private IAnsiConsole? _terminal;

    public ConsoleView(TextWriter writer, bool isTerminal)
    {
        Writer = writer;
        IsTerminal = isTerminal;
    }

    public TextWriter Writer { get; }

    public bool IsTerminal { get; }

    /// <summary>The Spectre.Console console over <see cref="Writer"/>; only when <see cref="IsTerminal"/>.</summary>
    public IAnsiConsole Terminal => IsTerminal
        ? _terminal ??= AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Writer),
            Ansi = AnsiSupport.Detect,
            ColorSystem = ColorSystemSupport.Detect,
            Interactive = InteractionSupport.Yes,
        })
        : throw new InvalidOperationException("Not a terminal: write plain text.");

    public void WriteLine(string line = "") => Writer.WriteLine(line);

    /// <summary>Draws a table built with <see cref="Tables"/>, each line starting with <paramref name="indent"/>.</summary>
    public void Write(Table table, string indent = "")
    {
        if (IsTerminal)
        {
            table.Border = TableBorder.Rounded;
            Terminal.Write(indent.Length == 0 ? table : new Padder(table, new Padding(indent.Length, 0, 0, 0)));
            return;
        }

        foreach (var line in PlainLines(table))
        {
            Writer.WriteLine((indent + line).TrimEnd());
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/>, which reports what it is doing through its argument: in a terminal as a live
    /// status line (cleared at the end), elsewhere not at all.
    /// </summary>
    public Task<T> WithStatusAsync<T>(string status, Func<Action<string>, Task<T>> work)
        => IsTerminal
            ? Terminal.Status().StartAsync(Markup.Escape(status), context => work(text => context.Status = Markup.Escape(text)))
            : work(_ => { });

    /// <summary>The table as plain lines: <see cref="PlainTableBorder"/>, no padding, no colours, no wrapping.</summary>
    public static IEnumerable<string> PlainLines(Table table)
    {
        table.Border = PlainTableBorder.Instance;
        foreach (var column in table.Columns)
        {
            column.Padding = new Padding(0, 0, 0, 0);
        }

        using var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(text),
            Ansi = AnsiSupport.No,
            ColorSystem = ColorSystemSupport.NoColors,
            Interactive = InteractionSupport.No,
        });
        console.Profile.Width = PlainWidth;
        console.Write(table);

        var lines = text.ToString().Split('\n').Select(l => l.TrimEnd('\r')).ToList();
        var first = lines.FindIndex(l => l.Trim().Length > 0);
        var last = lines.FindLastIndex(l => l.Trim().Length > 0);
        return first < 0 ? [] : lines[first..(last + 1)];
    }
}
