using Metering.Cli.Commands;

namespace Metering.Cli.Parsing;

/// <summary>What a command line asks for: a command to run, or help.</summary>
/// <param name="Command">The command to run; null when help is asked for (or no command was given).</param>
/// <param name="Parsed">Its arguments; null with <paramref name="Command"/>.</param>
/// <param name="HelpPath">For help: the command or group path, empty for the top level; null when running a command.</param>
/// <param name="GivenGlobals">The global options given on the command line (resolved against the environment later).</param>
/// <param name="IsError">True when help is shown because no command was given (a usage error, exit code 2).</param>
internal sealed record ParseOutcome(ICliCommand? Command, ParsedCommand? Parsed, string? HelpPath, IReadOnlyDictionary<string, string> GivenGlobals, bool IsError = false);
