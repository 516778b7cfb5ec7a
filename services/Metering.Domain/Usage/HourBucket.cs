namespace Metering.Domain.Usage;

/// <summary>
/// A counter bucket of one host: a model and the UTC hour its events fall in, as Unix seconds of the hour's start.
/// Written "hour:model" in Redis (the model may contain ':', the hour never does).
/// </summary>
public readonly record struct HourBucket(long HourStartUnixSeconds, string Model)
{
    public static long HourOf(long unixSeconds) => unixSeconds - (((unixSeconds % 3600) + 3600) % 3600);

    public DateTime HourStartUtc => DateTime.UnixEpoch.AddSeconds(HourStartUnixSeconds);

    public string ToMember() => HourStartUnixSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) + ":" + Model;

    public static HourBucket FromMember(string member)
    {
        var colon = member.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0)
        {
            throw new FormatException($"'{member}' is not an hour:model bucket.");
        }

        return new HourBucket(long.Parse(member.AsSpan(0, colon), System.Globalization.CultureInfo.InvariantCulture), member[(colon + 1)..]);
    }
}
