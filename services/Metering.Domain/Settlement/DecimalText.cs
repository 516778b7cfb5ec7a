using System.Globalization;

namespace Metering.Domain.Settlement;

/// <summary>
/// Decimal strings of the wire API: an optional "-" (only where allowed), digits, optionally "." and digits; no
/// exponent, sign "+", separators or spaces; at most 28 significant digits and 12 fractional digits.
/// </summary>
public static class DecimalText
{
    public const int MaxSignificantDigits = 28;
    public const int MaxFractionalDigits = 12;

    /// <summary>Parses <paramref name="text"/>; false (with why, for a field violation) when it breaks the format.</summary>
    public static bool TryParse(string? text, bool allowNegative, out decimal value, out string error)
    {
        value = 0m;
        error = string.Empty;
        if (string.IsNullOrEmpty(text))
        {
            error = "is required";
            return false;
        }

        var span = text.AsSpan();
        var negative = span[0] == '-';
        if (negative)
        {
            if (!allowNegative)
            {
                error = "must not be negative";
                return false;
            }

            span = span[1..];
        }

        var dot = span.IndexOf('.');
        var integer = dot < 0 ? span : span[..dot];
        var fraction = dot < 0 ? ReadOnlySpan<char>.Empty : span[(dot + 1)..];
        if (integer.IsEmpty || (dot >= 0 && fraction.IsEmpty) || !IsDigits(integer) || !IsDigits(fraction))
        {
            error = "must be a decimal string such as \"12.5\" (digits, optionally '.' and digits; no exponent or separators)";
            return false;
        }

        if (fraction.Length > MaxFractionalDigits)
        {
            error = $"has more than {MaxFractionalDigits} fractional digits";
            return false;
        }

        var significant = integer.TrimStart('0').Length + fraction.Length;
        if (significant > MaxSignificantDigits)
        {
            error = $"has more than {MaxSignificantDigits} significant digits";
            return false;
        }

        value = decimal.Parse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);
        return true;
    }

    /// <summary>Formats with exactly <paramref name="scale"/> fractional digits, rounding half to even.</summary>
    public static string Format(decimal value, int scale)
        => Money.Normalize(value, scale).ToString("F" + scale.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);

    /// <summary>Formats with the value's own scale (as it was entered, e.g. "0.60"), never with an exponent.</summary>
    public static string Format(decimal value) => (value == 0m ? Money.Normalize(0m, value.Scale) : value).ToString(CultureInfo.InvariantCulture);

    private static bool IsDigits(ReadOnlySpan<char> span)
    {
        foreach (var c in span)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return true;
    }
}
