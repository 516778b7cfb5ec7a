using System.Runtime.InteropServices;

namespace Metering.LoadGen.Metrics;

/// <summary>The unit of the /proc/stat counters: USER_HZ, from sysconf(_SC_CLK_TCK) (100 on every Linux architecture .NET runs on).</summary>
internal static class ClockTicks
{
    private const int ScClkTck = 2;

    private static readonly Lazy<long> Value = new(Read);

    public static long PerSecond => Value.Value;

    private static long Read()
    {
        try
        {
            var ticks = (long)SysConf(ScClkTck);
            return ticks > 0 ? ticks : 100;
        }
        catch (Exception ex) when (ex is DllNotFoundException or EntryPointNotFoundException)
        {
            return 100;
        }
    }

    [DllImport("libc", EntryPoint = "sysconf")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern nint SysConf(int name);
}
