using Metering.Domain.Ingest;
using Metering.Domain.Settlement;

namespace Metering.Domain.Corrections;

/// <summary>
/// Checks a <see cref="CorrectionInput"/> field by field. Fields are named as on the wire under "correction."
/// ("correction.from_hour"); every problem is reported, not only the first.
/// </summary>
public static class CorrectionRequestValidator
{
    /// <summary>Longest reason (and decision reason, dispute message, resolution) in characters.</summary>
    public const int MaxTextLength = 2000;

    private const int MaxModelLength = 128;

    public static (CorrectionRequest? Request, IReadOnlyList<SettlementViolation> Violations) Validate(CorrectionInput input)
    {
        var violations = new List<SettlementViolation>();
        void Add(string field, string reason, string description) => violations.Add(new SettlementViolation("correction." + field, reason, description));

        if (input.HostId.Length == 0)
        {
            Add("host_id", SettlementReasons.Required, "is required");
        }
        else if (!IngestIdentifiers.IsValidHostId(input.HostId))
        {
            Add("host_id", SettlementReasons.InvalidFormat, "must be 1 to 63 characters of [a-z0-9-], starting with a letter and not ending with '-'");
        }

        if (input.Model.Length == 0)
        {
            Add("model", SettlementReasons.Required, "is required");
        }
        else if (input.Model.Length > MaxModelLength || input.Model == RateCardEntry.Wildcard || !AgreementValidator.IsValidRateCardModel(input.Model))
        {
            Add("model", SettlementReasons.InvalidFormat, "must be 1 to 128 characters of [A-Za-z0-9._:/-], a model exactly as counted");
        }

        HourRange? range = null;
        if (input.Period.Length == 0)
        {
            Add("period", SettlementReasons.Required, "is required");
        }
        else if (!YearMonth.TryParse(input.Period, out var period))
        {
            Add("period", SettlementReasons.InvalidFormat, "must be YYYY-MM");
        }
        else
        {
            range = ValidateRange(input, period, Add);
        }

        if (input.InputTokens == 0 && input.OutputTokens == 0 && input.Requests == 0 && input.BilledMicros == 0)
        {
            Add("input_tokens", CorrectionReasons.NoChange, "at least one of input_tokens, output_tokens, requests, billed_micros must be non-zero");
        }

        if (input.ReasonCode is null)
        {
            Add("reason_code", SettlementReasons.Required, "is required (REFUND, DUPLICATE_REPORT, MISSING_USAGE, PRICING_ERROR, DISPUTE_RESOLUTION or OTHER)");
        }

        if (input.Reason.Trim().Length == 0)
        {
            Add("reason", SettlementReasons.Required, "is required: say why the usage is corrected");
        }
        else if (input.Reason.Length > MaxTextLength)
        {
            Add("reason", CorrectionReasons.TooLong, $"must be at most {MaxTextLength} characters");
        }

        if (violations.Count > 0 || range is null)
        {
            return (null, violations);
        }

        return (new CorrectionRequest(
            input.HostId,
            input.Model,
            YearMonth.Parse(input.Period),
            range.Value,
            new UsageTotals(input.InputTokens, input.OutputTokens, input.Requests, input.BilledMicros),
            input.ReasonCode!.Value,
            input.Reason), violations);
    }

    private static HourRange? ValidateRange(CorrectionInput input, YearMonth period, Action<string, string, string> add)
    {
        if (input.FromHour is null && input.ToHour is null)
        {
            return new HourRange(period.StartUtc, period.EndUtc);
        }

        if (input.FromHour is null || input.ToHour is null)
        {
            add(input.FromHour is null ? "from_hour" : "to_hour", SettlementReasons.Required, "from_hour and to_hour are set together or not at all (unset: the whole period)");
            return null;
        }

        var from = input.FromHour.Value;
        var to = input.ToHour.Value;
        var valid = true;
        foreach (var (field, value) in new[] { ("from_hour", from), ("to_hour", to) })
        {
            if (value.Ticks % TimeSpan.TicksPerHour != 0)
            {
                add(field, SettlementReasons.InvalidFormat, "must be a whole UTC hour");
                valid = false;
            }
        }

        if (!valid)
        {
            return null;
        }

        if (from < period.StartUtc || from >= period.EndUtc)
        {
            add("from_hour", SettlementReasons.OutOfRange, $"must lie inside period {period} ({period.StartUtc:yyyy-MM-ddTHH}:00Z to {period.EndUtc:yyyy-MM-ddTHH}:00Z)");
            return null;
        }

        if (to <= from || to > period.EndUtc)
        {
            add("to_hour", SettlementReasons.OutOfRange, $"must be after from_hour and at most the end of period {period} ({period.EndUtc:yyyy-MM-ddTHH}:00Z)");
            return null;
        }

        return new HourRange(DateTime.SpecifyKind(from, DateTimeKind.Utc), DateTime.SpecifyKind(to, DateTimeKind.Utc));
    }
}
