namespace Metering.Cli.CommandLine;

/// <summary>Which endpoints a command calls; decides which address an UNAVAILABLE hint names.</summary>
[Flags]
internal enum ServiceTarget
{
    /// <summary>No server (help).</summary>
    None = 0,

    /// <summary>The metering service (<c>--address</c>).</summary>
    Metering = 1,

    /// <summary>The settlement service (<c>--settlement-address</c>).</summary>
    Settlement = 2,

    /// <summary>Both services.</summary>
    Both = Metering | Settlement,
}
