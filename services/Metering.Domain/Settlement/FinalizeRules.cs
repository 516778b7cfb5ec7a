using System.Globalization;

namespace Metering.Domain.Settlement;

/// <summary>When a DRAFT statement may become FINAL, as it was last computed (it is not recomputed).</summary>
public static class FinalizeRules
{
    /// <summary>Returns why the statement may not be finalized now (a FAILED_PRECONDITION), or null.</summary>
    public static string? Check(FinalizeContext context, DateTime nowUtc, bool allowUnpriced, DateTime? expectedComputedAt)
    {
        var statement = context.Statement;
        if (nowUtc < statement.Period.EndUtc)
        {
            return $"the period {statement.Period} has not ended yet (it ends {statement.Period.EndUtc.ToString("O", CultureInfo.InvariantCulture)})";
        }

        if (expectedComputedAt is { } expected && TruncateToMicroseconds(expected) != TruncateToMicroseconds(statement.ComputedAt))
        {
            return $"the statement was recomputed at {statement.ComputedAt.ToString("O", CultureInfo.InvariantCulture)}, not at the expected_computed_at {expected.ToString("O", CultureInfo.InvariantCulture)}";
        }

        if (statement.HasUnpricedLines && !allowUnpriced)
        {
            var models = string.Join(", ", statement.Lines.Where(l => l.Unpriced).Select(l => l.Model).Distinct(StringComparer.Ordinal));
            return $"the statement has unpriced lines ({models}); add rate card entries and run settlement again, or set allow_unpriced";
        }

        if (context.AgreementInForce is not { } agreement || agreement.AgreementId != statement.AgreementId || agreement.Revision != statement.AgreementRevision)
        {
            return "the agreement in force for the period changed after the statement was computed; run settlement again";
        }

        if (context.LatestFinalizedRevisionOfHost > statement.ComputedRevision)
        {
            return "another statement of the host became FINAL after this one was computed (its adjustments may be settled there); run settlement again";
        }

        return null;
    }

    private static long TruncateToMicroseconds(DateTime value) => value.Ticks / 10;
}
