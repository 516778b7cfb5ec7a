using System.Globalization;

namespace Metering.Cli.Rendering;

/// <summary>How counts and decimal strings are shown to people (invariant culture, thousands separators).</summary>
internal static class Numbers
{
    private static readonly CultureInfo Invariant = CultureInfo.InvariantCulture;

    /// <summary><c>1234567</c> → <c>1,234,567</c>.</summary>
    public static string Count(long value) => value.ToString("N0", Invariant);

    /// <summary>A count with its sign always written (<c>+1,000</c>, <c>-20</c>, <c>0</c>), for differences.</summary>
    public static string SignedCount(long value) => value > 0 ? "+" + Count(value) : Count(value);

    /// <summary>
    /// Groups the integer part of a wire decimal string (<c>"-1234567.500000"</c> → <c>"-1,234,567.500000"</c>) without
    /// changing its digits; text that is not a plain decimal is returned as is.
    /// </summary>
    public static string Decimal(string text)
    {
        if (text.Length == 0)
        {
            return text;
        }

        var negative = text[0] == '-';
        var body = negative ? text[1..] : text;
        var dot = body.IndexOf('.', StringComparison.Ordinal);
        var integer = dot < 0 ? body : body[..dot];
        if (integer.Length == 0 || !integer.All(char.IsAsciiDigit))
        {
            return text;
        }

        var grouped = new System.Text.StringBuilder(integer.Length + (integer.Length / 3));
        for (var i = 0; i < integer.Length; i++)
        {
            if (i > 0 && (integer.Length - i) % 3 == 0)
            {
                grouped.Append(',');
            }

            grouped.Append(integer[i]);
        }

        return (negative ? "-" : string.Empty) + grouped + (dot < 0 ? string.Empty : body[dot..]);
    }

    /// <summary>A decimal string with its sign always written, for differences (<c>+12.50</c>).</summary>
    public static string SignedDecimal(string text)
        => text.Length == 0 || text[0] == '-' || IsZero(text) ? Decimal(text) : "+" + Decimal(text);

    /// <summary>Millionths of a currency unit as an exact decimal with 6 fractional digits: <c>1500000</c> → <c>1.500000</c>.</summary>
    public static string Micros(long micros) => Decimal((micros / 1_000_000m).ToString("0.000000", Invariant));

    /// <summary>Millionths with their sign always written (<c>+1.500000</c>, <c>-0.250000</c>, <c>0.000000</c>), for differences.</summary>
    public static string SignedMicros(long micros) => micros > 0 ? "+" + Micros(micros) : Micros(micros);

    /// <summary>A short count for live views: <c>950</c>, <c>12.3K</c>, <c>4.5M</c>, <c>1.2G</c>.</summary>
    public static string Compact(long value)
    {
        var magnitude = Math.Abs(value);
        return magnitude switch
        {
            < 10_000 => value.ToString("N0", Invariant),
            < 1_000_000 => (value / 1_000m).ToString("0.0", Invariant) + "K",
            < 1_000_000_000 => (value / 1_000_000m).ToString("0.0", Invariant) + "M",
            _ => (value / 1_000_000_000m).ToString("0.0", Invariant) + "G",
        };
    }

    private static bool IsZero(string text) => text.All(c => c is '0' or '.' or '-');
}
