namespace Metering.Cli;

/// <summary>Exit codes of <c>metering</c>.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Ok = 0;

    /// <summary>The server answered with an error status (printed), or a check failed.</summary>
    public const int Failed = 1;

    /// <summary>Bad command line (the message names the option or argument).</summary>
    public const int Usage = 2;

    /// <summary>The demo's exactly-once check failed: what the reporters had acknowledged differs from what was counted.</summary>
    public const int Mismatch = 3;

    /// <summary>Interrupted (Ctrl-C).</summary>
    public const int Interrupted = 130;
}
