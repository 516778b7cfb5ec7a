namespace Metering.Domain.Settlement;

/// <summary>The two roundings of settlement, both half to even: lines to 6 decimals, amounts owed to the minor unit.</summary>
public static class Money
{
    /// <summary>Decimal places kept by lines, gross revenue, tier and share amounts.</summary>
    public const int LineScale = 6;

    /// <summary>Rounds to 6 decimals, half to even.</summary>
    public static decimal RoundLine(decimal amount) => Normalize(Math.Round(amount, LineScale, MidpointRounding.ToEven), LineScale);

    /// <summary>Rounds to the currency's minor unit, half to even ("2.345" USD is "2.34", "2.355" is "2.36").</summary>
    public static decimal RoundToMinorUnit(decimal amount, Currency currency)
        => Normalize(Math.Round(amount, currency.MinorUnits, MidpointRounding.ToEven), currency.MinorUnits);

    /// <summary>Gives the value exactly <paramref name="scale"/> decimals (and no negative zero), so it prints as such.</summary>
    public static decimal Normalize(decimal amount, int scale)
    {
        if (amount == 0m)
        {
            return new decimal(0, 0, 0, false, (byte)scale);
        }

        var rounded = Math.Round(amount, scale, MidpointRounding.ToEven);
        var current = rounded.Scale;
        return current >= scale ? rounded : rounded + new decimal(0, 0, 0, false, (byte)scale);
    }
}
