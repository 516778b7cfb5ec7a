namespace Metering.LoadGen;

/// <summary>Exit codes of metering-loadgen.</summary>
internal static class ExitCodes
{
    /// <summary>The run completed and the exactly-once check passed.</summary>
    public const int Pass = 0;

    /// <summary>GetUsage disagrees with what the service acknowledged as ACCEPTED.</summary>
    public const int ExactlyOnceMismatch = 1;

    /// <summary>Bad command line.</summary>
    public const int Usage = 2;

    /// <summary>The run itself failed: setup, a stream that ended with an error, rejected batches, a protocol violation.</summary>
    public const int RunFailed = 3;

    /// <summary>Interrupted (Ctrl-C).</summary>
    public const int Interrupted = 130;
}
