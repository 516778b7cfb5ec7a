namespace Metering.Cli.CommandLine;

/// <summary>
/// A command line that cannot be run, found after System.CommandLine accepted it: a bad value (thrown by
/// <see cref="Values"/> and turned into a parse error by <see cref="CliOptions"/>), options that do not go together, or
/// no API key. The message names the option or argument at fault; <see cref="CommandPath"/> says whose help to point to.
/// </summary>
internal sealed class CliUsageException : Exception
{
    public CliUsageException(string message, string? commandPath = null)
        : base(message)
    {
        CommandPath = commandPath;
    }

    public CliUsageException()
    {
    }

    public CliUsageException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The command the error is about (<c>hosts create</c>), or null for the one that was run.</summary>
    public string? CommandPath { get; }
}
