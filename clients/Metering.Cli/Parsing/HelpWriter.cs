using Metering.Cli.Commands;

namespace Metering.Cli.Parsing;

/// <summary>Writes the help of the whole tool, of a command group, or of one command.</summary>
internal static class HelpWriter
{
    private const int NameColumn = 30;

    public static void Write(TextWriter writer, CommandCatalog catalog, string path)
    {
        if (path.Length == 0)
        {
            WriteTop(writer, catalog);
        }
        else if (catalog.Find(path) is { } command)
        {
            WriteCommand(writer, command.Spec);
        }
        else
        {
            WriteGroup(writer, catalog, path);
        }
    }

    public static void WriteTop(TextWriter writer, CommandCatalog catalog)
    {
        writer.WriteLine("metering - administer hosts and keys, query usage, settle revenue share.");
        writer.WriteLine();
        writer.WriteLine("Usage: metering <command> [arguments] [options]");
        writer.WriteLine();
        writer.WriteLine("Commands:");
        foreach (var command in catalog.Commands)
        {
            Row(writer, "  " + command.Spec.Path, command.Spec.Summary);
        }

        writer.WriteLine();
        WriteGlobals(writer);
        writer.WriteLine();
        writer.WriteLine("Run 'metering <command> --help' for a command's arguments and options.");
        writer.WriteLine("Exit codes: 0 done, 1 the server refused or a check failed, 2 bad command line, 3 demo count mismatch, 130 interrupted.");
    }

    public static void WriteGroup(TextWriter writer, CommandCatalog catalog, string group)
    {
        var summary = CommandCatalog.GroupSummaries.GetValueOrDefault(group, group);
        writer.WriteLine($"metering {group} - {summary}");
        writer.WriteLine();
        writer.WriteLine($"Usage: metering {group} <{string.Join('|', catalog.SubcommandsOf(group))}> ...");
        writer.WriteLine();
        writer.WriteLine("Commands:");
        foreach (var command in catalog.Commands.Where(c => c.Spec.Path.StartsWith(group + " ", StringComparison.Ordinal)))
        {
            Row(writer, "  " + command.Spec.Path, command.Spec.Summary);
        }

        writer.WriteLine();
        writer.WriteLine($"Run 'metering {group} <command> --help' for details.");
    }

    public static void WriteCommand(TextWriter writer, CommandSpec spec)
    {
        writer.WriteLine($"metering {spec.Path} - {spec.Summary}");
        writer.WriteLine();
        var usage = spec.UsageLines ?? [GeneratedUsage(spec)];
        for (var i = 0; i < usage.Count; i++)
        {
            writer.WriteLine((i == 0 ? "Usage: " : "       ") + "metering " + usage[i]);
        }

        if (spec.Description is { } description)
        {
            writer.WriteLine();
            writer.WriteLine(description.TrimEnd());
        }

        if (spec.Arguments.Count > 0)
        {
            writer.WriteLine();
            writer.WriteLine("Arguments:");
            foreach (var argument in spec.Arguments)
            {
                Row(writer, $"  <{argument.Name}>", argument.Description);
            }
        }

        if (spec.Options.Count > 0)
        {
            writer.WriteLine();
            writer.WriteLine("Options:");
            foreach (var option in spec.Options)
            {
                var notes = (option.Required ? " (required)" : string.Empty) + (option.Repeatable ? " (repeatable)" : string.Empty);
                Row(writer, "  " + option.Synopsis, option.Description + notes);
            }
        }

        writer.WriteLine();
        WriteGlobals(writer);

        if (spec.Examples.Count > 0)
        {
            writer.WriteLine();
            writer.WriteLine("Examples:");
            foreach (var example in spec.Examples)
            {
                writer.WriteLine("  " + example);
            }
        }
    }

    private static string GeneratedUsage(CommandSpec spec)
    {
        var parts = new List<string> { spec.Path };
        parts.AddRange(spec.Arguments.Select(a => a.Required ? $"<{a.Name}>" : $"[<{a.Name}>]"));
        parts.AddRange(spec.Options.Select(o => (o.Required ? o.Synopsis : $"[{o.Synopsis}]") + (o.Repeatable ? "..." : string.Empty)));
        return string.Join(' ', parts);
    }

    private static void WriteGlobals(TextWriter writer)
    {
        writer.WriteLine("Global options:");
        foreach (var option in GlobalOptions.Specs)
        {
            Row(writer, "  " + option.Synopsis, option.Description);
        }
    }

    private static void Row(TextWriter writer, string name, string description)
    {
        if (name.Length < NameColumn - 1)
        {
            writer.WriteLine(name.PadRight(NameColumn) + description);
        }
        else
        {
            writer.WriteLine(name);
            writer.WriteLine(new string(' ', NameColumn) + description);
        }
    }
}
