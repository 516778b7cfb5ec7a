namespace Metering.Settlement.Application;

/// <summary>Now, at the precision PostgreSQL stores (microseconds), so what is returned equals what is stored.</summary>
internal static class SettlementClock
{
    public static DateTime UtcNowMicroseconds(this TimeProvider time)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return new DateTime(now.Ticks - (now.Ticks % 10), DateTimeKind.Utc);
    }
}
