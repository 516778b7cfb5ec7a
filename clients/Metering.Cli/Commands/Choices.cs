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

    public static readonly IReadOnlyDictionary<string, UsageView> UsageViews = new Dictionary<string, UsageView>(StringComparer.Ordinal)
    {
        ["corrected"] = UsageView.Corrected,
        ["raw"] = UsageView.Raw,
        ["corrections"] = UsageView.Corrections,
    };

    public static readonly IReadOnlyDictionary<string, CorrectionReason> CorrectionReasons = new Dictionary<string, CorrectionReason>(StringComparer.Ordinal)
    {
        ["refund"] = CorrectionReason.Refund,
        ["duplicate-report"] = CorrectionReason.DuplicateReport,
        ["missing-usage"] = CorrectionReason.MissingUsage,
        ["pricing-error"] = CorrectionReason.PricingError,
        ["dispute-resolution"] = CorrectionReason.DisputeResolution,
        ["other"] = CorrectionReason.Other,
    };

    public static readonly IReadOnlyDictionary<string, CorrectionState> CorrectionStates = new Dictionary<string, CorrectionState>(StringComparer.Ordinal)
    {
        ["proposed"] = CorrectionState.Proposed,
        ["approved"] = CorrectionState.Approved,
        ["declined"] = CorrectionState.Declined,
    };

    public static readonly IReadOnlyDictionary<string, DisputeState> DisputeStates = new Dictionary<string, DisputeState>(StringComparer.Ordinal)
    {
        ["open"] = DisputeState.Open,
        ["resolved"] = DisputeState.Resolved,
        ["rejected"] = DisputeState.Rejected,
    };
}
