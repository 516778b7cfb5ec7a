using Metering.Cli.Parsing;

namespace Metering.Cli.Commands;

/// <summary>One <c>metering</c> command: what it accepts, and what it does with the parsed arguments.</summary>
internal interface ICliCommand
{
    CommandSpec Spec { get; }

    /// <summary>Runs the command; returns the process exit code (see <see cref="ExitCodes"/>).</summary>
    Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken);
}
