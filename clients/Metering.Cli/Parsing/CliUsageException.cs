namespace Metering.Cli.Parsing;

/// <summary>
/// A command line that cannot be run: an unknown command or option, a missing or malformed value. The message names the
/// option or argument at fault; <see cref="CommandPath"/> says whose help to point to.
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

    /// <summary>The command the error is about (<c>hosts create</c>), or null for the top level.</summary>
    public string? CommandPath { get; }
}
