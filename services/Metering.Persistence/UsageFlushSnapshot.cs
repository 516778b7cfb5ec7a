using System.Globalization;

namespace Metering.Persistence;

/// <summary>
/// A flush snapshot of one host: its unique flush id ("&lt;cut stamp&gt;-&lt;unique part&gt;", the stamp being the Redis
/// TIME of the cut in microseconds) and its buckets.
/// </summary>
public sealed record UsageFlushSnapshot(string FlushId, string HostId, IReadOnlyList<UsageFlushRow> Rows)
{
    public long CutStamp => CutStampOf(FlushId);

    public static long CutStampOf(string flushId)
    {
        var dash = flushId.IndexOf('-', StringComparison.Ordinal);
        return dash > 0 && long.TryParse(flushId.AsSpan(0, dash), NumberStyles.None, CultureInfo.InvariantCulture, out var stamp) ? stamp : 0;
    }
}
