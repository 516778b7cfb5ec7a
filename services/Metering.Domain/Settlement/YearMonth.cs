using System.Globalization;

namespace Metering.Domain.Settlement;

/// <summary>
/// A calendar month in UTC: the settlement period and the effective month of agreements. Written "YYYY-MM" on the
/// wire. Years 1970 to 9998, so the month's end is always representable.
/// </summary>
public readonly record struct YearMonth : IComparable<YearMonth>
{
    public const int MinYear = 1970;
    public const int MaxYear = 9998;

    private readonly int _index;

    public YearMonth(int year, int month)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(year, MinYear);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(year, MaxYear);
        ArgumentOutOfRangeException.ThrowIfLessThan(month, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(month, 12);
        _index = (year * 12) + month - 1;
    }

    private YearMonth(int index) => _index = index;

    public int Year => _index / 12;

    public int Month => (_index % 12) + 1;

    /// <summary>The first instant of the month (inclusive).</summary>
    public DateTime StartUtc => new(Year, Month, 1, 0, 0, 0, DateTimeKind.Utc);

    /// <summary>The first instant of the next month (exclusive end of this one).</summary>
    public DateTime EndUtc => Next().StartUtc;

    public DateOnly FirstDay => new(Year, Month, 1);

    public static YearMonth Of(DateTime instant)
    {
        var utc = instant.Kind == DateTimeKind.Local ? instant.ToUniversalTime() : instant;
        return new YearMonth(utc.Year, utc.Month);
    }

    public static YearMonth FromFirstDay(DateOnly day) => new(day.Year, day.Month);

    /// <summary>Parses exactly "YYYY-MM" (four digits, '-', two digits, month 01 to 12, year 1970 to 9998).</summary>
    public static bool TryParse(string? text, out YearMonth month)
    {
        month = default;
        if (text is not { Length: 7 } || text[4] != '-')
        {
            return false;
        }

        for (var i = 0; i < 7; i++)
        {
            if (i != 4 && !char.IsAsciiDigit(text[i]))
            {
                return false;
            }
        }

        var year = int.Parse(text.AsSpan(0, 4), NumberStyles.None, CultureInfo.InvariantCulture);
        var number = int.Parse(text.AsSpan(5, 2), NumberStyles.None, CultureInfo.InvariantCulture);
        if (year is < MinYear or > MaxYear || number is < 1 or > 12)
        {
            return false;
        }

        month = new YearMonth(year, number);
        return true;
    }

    public static YearMonth Parse(string text)
        => TryParse(text, out var month) ? month : throw new FormatException($"'{text}' is not a month in the form YYYY-MM.");

    public YearMonth Next() => AddMonths(1);

    public YearMonth Previous() => AddMonths(-1);

    public YearMonth AddMonths(int months) => new(_index + months);

    /// <summary>Whole months from <paramref name="earlier"/> to this month (negative when it is later).</summary>
    public int MonthsSince(YearMonth earlier) => _index - earlier._index;

    public int CompareTo(YearMonth other) => _index.CompareTo(other._index);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Year:D4}-{Month:D2}");

    public static bool operator <(YearMonth left, YearMonth right) => left._index < right._index;

    public static bool operator >(YearMonth left, YearMonth right) => left._index > right._index;

    public static bool operator <=(YearMonth left, YearMonth right) => left._index <= right._index;

    public static bool operator >=(YearMonth left, YearMonth right) => left._index >= right._index;
}
