using System.Globalization;
using System.Text.RegularExpressions;

namespace Metering.Cli.CommandLine;

/// <summary>
/// Parsers of option values in the forms the wire API takes (months <c>YYYY-MM</c>, whole UTC hours, decimal strings,
/// ISO 4217 codes, whole numbers in a range, words from a list). Each failure is a <see cref="CliUsageException"/>
/// whose message names the option and shows the expected form; <see cref="CliOptions"/> reports it as a parse error.
/// </summary>
internal static partial class Values
{
    private static readonly string[] TimeFormats =
    [
        "yyyy-MM-dd'T'HH:mm:ssK", "yyyy-MM-dd'T'HH:mmK", "yyyy-MM-dd'T'HHK",
        "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd'T'HH:mm", "yyyy-MM-dd'T'HH",
        "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mmK", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm",
    ];

    /// <summary>A calendar month <c>YYYY-MM</c> (returned as written).</summary>
    public static string Month(string option, string text)
        => MonthPattern().IsMatch(text)
            ? text
            : throw new CliUsageException($"{option} must be a month written YYYY-MM (e.g. 2026-10), not '{text}'");

    /// <summary>
    /// A whole UTC hour: <c>YYYY-MM</c> (first day of the month), <c>YYYY-MM-DD</c> (midnight), or an ISO 8601 time
    /// <c>YYYY-MM-DDTHH[:mm[:ss]][Z|±hh:mm]</c> (UTC when no offset is written).
    /// </summary>
    public static DateTimeOffset Hour(string option, string text)
    {
        var value = Time(option, text);
        return value.Ticks % TimeSpan.TicksPerHour == 0
            ? value
            : throw new CliUsageException($"{option} must be a whole UTC hour (usage is counted per hour), not '{text}'");
    }

    /// <summary>
    /// A UTC time: <c>YYYY-MM</c> (first day of the month), <c>YYYY-MM-DD</c> (midnight), or an ISO 8601 time
    /// <c>YYYY-MM-DDTHH[:mm[:ss]][Z|±hh:mm]</c> (UTC when no offset is written).
    /// </summary>
    public static DateTimeOffset Time(string option, string text)
    {
        DateTimeOffset value;
        if (MonthPattern().IsMatch(text))
        {
            value = DateTimeOffset.ParseExact(text + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        }
        else if (DatePattern().IsMatch(text) && DateTimeOffset.TryParseExact(text, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date))
        {
            value = date;
        }
        else if (!DateTimeOffset.TryParseExact(text, TimeFormats, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out value))
        {
            throw new CliUsageException($"{option} must be a date (2026-11-01), a month (2026-11) or a UTC time (2026-11-01T08:00Z), not '{text}'");
        }

        return value.ToUniversalTime();
    }

    /// <summary>A non-negative wire decimal (<c>0.15</c>, <c>1000000</c>): digits, optionally a dot and more digits.</summary>
    public static string Decimal(string option, string text, string? what = null)
        => DecimalPattern().IsMatch(text)
            ? text
            : throw new CliUsageException($"{option}{(what is null ? string.Empty : " " + what)} must be a non-negative decimal such as 0.15 or 1000000 (digits and at most one '.'), not '{text}'");

    /// <summary>An ISO 4217 alphabetic code; lower case is accepted and upper-cased.</summary>
    public static string Currency(string option, string text)
    {
        var upper = text.ToUpperInvariant();
        return CurrencyPattern().IsMatch(upper)
            ? upper
            : throw new CliUsageException($"{option} must be an ISO 4217 code of three letters (USD, EUR), not '{text}'");
    }

    /// <summary>A whole number from 1 to <paramref name="max"/>.</summary>
    public static int PositiveInt(string option, string text, int max)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= 1 && value <= max
            ? value
            : throw new CliUsageException($"{option} must be a whole number from 1 to {max.ToString("N0", CultureInfo.InvariantCulture)}, not '{text}'");

    /// <summary>A whole number that may be negative (<c>-500</c>, <c>+20</c>, <c>0</c>), within the range of int64.</summary>
    public static long SignedLong(string option, string text)
        => long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new CliUsageException($"{option} must be a whole number, negative to subtract (e.g. -500 or 1200), not '{text}'");

    /// <summary>Text that is not empty.</summary>
    public static string NonEmpty(string option, string text)
        => text.Length > 0 ? text : throw new CliUsageException($"{option} needs a non-empty value");

    /// <summary>The word of <paramref name="choices"/> that <paramref name="text"/> names (case-insensitive).</summary>
    public static string Choice(string option, string text, IEnumerable<string> choices)
        => choices.FirstOrDefault(c => string.Equals(c, text, StringComparison.OrdinalIgnoreCase))
            ?? throw new CliUsageException($"{option} must be one of {string.Join(", ", choices)}; not '{text}'");

    [GeneratedRegex(@"^\d{4}-(0[1-9]|1[0-2])$", RegexOptions.CultureInvariant)]
    private static partial Regex MonthPattern();

    [GeneratedRegex(@"^\d{4}-\d{2}-\d{2}$", RegexOptions.CultureInvariant)]
    private static partial Regex DatePattern();

    [GeneratedRegex(@"^[0-9]+(\.[0-9]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex DecimalPattern();

    [GeneratedRegex("^[A-Z]{3}$", RegexOptions.CultureInvariant)]
    private static partial Regex CurrencyPattern();
}
