using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary>The words option values may take, mapped to wire values.</summary>
internal static class Choices
{
    public static readonly IReadOnlyDictionary<string, ExportFormat> TableCsvJson = new Dictionary<string, ExportFormat>(StringComparer.Ordinal)
    {
        ["table"] = ExportFormat.Table,
        ["csv"] = ExportFormat.Csv,
        ["json"] = ExportFormat.Json,
    };

    public static readonly IReadOnlyDictionary<string, ExportFormat> CsvJson = new Dictionary<string, ExportFormat>(StringComparer.Ordinal)
    {
        ["csv"] = ExportFormat.Csv,
        ["json"] = ExportFormat.Json,
    };

    public static readonly IReadOnlyDictionary<string, Granularity> Granularities = new Dictionary<string, Granularity>(StringComparer.Ordinal)
    {
        ["hour"] = Granularity.Hour,
        ["day"] = Granularity.Day,
        ["month"] = Granularity.Month,
        ["total"] = Granularity.Total,
    };

    public static readonly IReadOnlyDictionary<string, UsageGroupBy> GroupBy = new Dictionary<string, UsageGroupBy>(StringComparer.Ordinal)
    {
        ["host"] = UsageGroupBy.Host,
        ["model"] = UsageGroupBy.Model,
    };

    public static readonly IReadOnlyDictionary<string, RevenueBasis> Bases = new Dictionary<string, RevenueBasis>(StringComparer.Ordinal)
    {
        ["rate-card"] = RevenueBasis.RateCard,
        ["reported"] = RevenueBasis.Reported,
    };

    public static readonly IReadOnlyDictionary<string, StatementStatus> Statuses = new Dictionary<string, StatementStatus>(StringComparer.Ordinal)
    {
        ["draft"] = StatementStatus.Draft,
        ["final"] = StatementStatus.Final,
    };
}
