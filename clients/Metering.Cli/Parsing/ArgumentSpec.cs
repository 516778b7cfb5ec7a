namespace Metering.Cli.Parsing;

/// <summary>A positional argument of a command.</summary>
/// <param name="Name">What it is, shown in help as <c>&lt;name&gt;</c>.</param>
/// <param name="Description">One line of help.</param>
/// <param name="Required">False when the command can do without it (usually because options replace it).</param>
internal sealed record ArgumentSpec(string Name, string Description, bool Required = true);
