using System.Collections.Frozen;

namespace Metering.Domain.Settlement;

/// <summary>
/// An ISO 4217 currency this system settles in, with its minor unit (decimal places of the smallest coin:
/// 2 for USD, 0 for JPY, 3 for KWD). Only currencies of the table exist; an unknown code is rejected.
/// </summary>
public readonly record struct Currency
{
    // ISO 4217 (list one, as published by SIX), minor units of the currencies likely to appear in agreements.
    private static readonly FrozenDictionary<string, int> MinorUnitsByCode = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["AED"] = 2,
        ["ARS"] = 2,
        ["AUD"] = 2,
        ["BDT"] = 2,
        ["BGN"] = 2,
        ["BHD"] = 3,
        ["BRL"] = 2,
        ["CAD"] = 2,
        ["CHF"] = 2,
        ["CLP"] = 0,
        ["CNY"] = 2,
        ["COP"] = 2,
        ["CZK"] = 2,
        ["DKK"] = 2,
        ["EGP"] = 2,
        ["EUR"] = 2,
        ["GBP"] = 2,
        ["HKD"] = 2,
        ["HUF"] = 2,
        ["IDR"] = 2,
        ["ILS"] = 2,
        ["INR"] = 2,
        ["IQD"] = 3,
        ["ISK"] = 0,
        ["JOD"] = 3,
        ["JPY"] = 0,
        ["KES"] = 2,
        ["KRW"] = 0,
        ["KWD"] = 3,
        ["LYD"] = 3,
        ["MAD"] = 2,
        ["MXN"] = 2,
        ["MYR"] = 2,
        ["NGN"] = 2,
        ["NOK"] = 2,
        ["NZD"] = 2,
        ["OMR"] = 3,
        ["PEN"] = 2,
        ["PHP"] = 2,
        ["PKR"] = 2,
        ["PLN"] = 2,
        ["PYG"] = 0,
        ["QAR"] = 2,
        ["RON"] = 2,
        ["RSD"] = 2,
        ["SAR"] = 2,
        ["SEK"] = 2,
        ["SGD"] = 2,
        ["THB"] = 2,
        ["TND"] = 3,
        ["TRY"] = 2,
        ["TWD"] = 2,
        ["UAH"] = 2,
        ["UGX"] = 0,
        ["USD"] = 2,
        ["UYU"] = 2,
        ["VND"] = 0,
        ["XAF"] = 0,
        ["XOF"] = 0,
        ["ZAR"] = 2,
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private Currency(string code, int minorUnits)
    {
        Code = code;
        MinorUnits = minorUnits;
    }

    /// <summary>The alphabetic code, three upper-case letters.</summary>
    public string Code { get; }

    /// <summary>Decimal places of the currency's minor unit.</summary>
    public int MinorUnits { get; }

    public static bool TryFromCode(string? code, out Currency currency)
    {
        if (code is not null && MinorUnitsByCode.TryGetValue(code, out var minorUnits))
        {
            currency = new Currency(code, minorUnits);
            return true;
        }

        currency = default;
        return false;
    }

    /// <summary>The currency of <paramref name="code"/>; throws <see cref="ArgumentException"/> for a code not in the table.</summary>
    public static Currency FromCode(string code)
        => TryFromCode(code, out var currency) ? currency : throw new ArgumentException($"'{code}' is not a supported ISO 4217 currency code.", nameof(code));

    public override string ToString() => Code;
}
