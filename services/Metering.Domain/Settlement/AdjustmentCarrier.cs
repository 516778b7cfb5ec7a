namespace Metering.Domain.Settlement;

/// <summary>
/// Which earlier FINAL periods a statement carries adjustments for: late usage of a FINAL period goes on the host's
/// earliest non-FINAL statement of a later period, so it is charged exactly once.
/// </summary>
public static class AdjustmentCarrier
{
    /// <summary>
    /// The FINAL periods in [<paramref name="period"/> − <paramref name="lookbackMonths"/>, <paramref name="period"/>)
    /// with no DRAFT statement of the host between them and <paramref name="period"/>, oldest first.
    /// </summary>
    public static IReadOnlyList<YearMonth> PeriodsCarriedBy(YearMonth period, IReadOnlyDictionary<YearMonth, StatementStatus> earlierStatements, int lookbackMonths)
    {
        var carried = new List<YearMonth>();
        for (var month = period.Previous(); month >= period.AddMonths(-lookbackMonths); month = month.Previous())
        {
            if (!earlierStatements.TryGetValue(month, out var status))
            {
                continue;
            }

            if (status == StatementStatus.Draft)
            {
                // That draft is the earliest non-FINAL statement after every FINAL period before it.
                break;
            }

            carried.Add(month);
        }

        carried.Reverse();
        return carried;
    }
}
