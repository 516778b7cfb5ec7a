using System.Globalization;
using Metering.Contracts.V1;
using Spectre.Console;

namespace Metering.Cli.Rendering;

/// <summary>
/// Corrections for people (one in full, or many as a table), as CSV (one row each, raw signed deltas, ISO 8601 times)
/// and as JSON (<c>{"corrections": [...]}</c> in the proto3 JSON mapping).
/// </summary>
internal static class CorrectionRenderer
{
    private const int LabelWidth = 18;

    /// <summary>The CSV header of <see cref="WriteCsv"/>.</summary>
    public static readonly IReadOnlyList<string> CsvHeader =
    [
        "correction_id", "host_id", "model", "period", "from_hour", "to_hour", "input_tokens", "output_tokens", "requests",
        "billed_micros", "reason_code", "reason", "state", "proposed_at", "proposed_by_key_id", "proposed_by_role",
        "decided_at", "decided_by_key_id", "decision_reason",
    ];

    /// <summary>Writes corrections in <paramref name="format"/>; a table lists them, or says none match.</summary>
    public static void Write(ConsoleView view, IReadOnlyList<Correction> corrections, ExportFormat format)
    {
        switch (format)
        {
            case ExportFormat.Json:
                ProtoJson.WriteArray(view.Writer, "corrections", corrections);
                break;
            case ExportFormat.Csv:
                WriteCsv(view.Writer, corrections);
                break;
            default:
                if (corrections.Count == 0)
                {
                    view.WriteLine("No corrections match.");
                }
                else
                {
                    WriteTable(view, corrections);
                }

                break;
        }
    }

    /// <summary>One correction in full, field by field.</summary>
    public static void WriteDetails(ConsoleView view, Correction correction)
    {
        var input = correction.Correction_ ?? new CorrectionInput();
        view.WriteLine($"Correction {correction.CorrectionId} [{Labels.State(correction.State)}]");
        Field(view, "Host", input.HostId);
        Field(view, "Model", input.Model);
        Field(view, "Period", input.Period);
        Field(view, "Hours", Labels.Hours(input));
        Field(view, "Input tokens", Numbers.SignedCount(input.InputTokens));
        Field(view, "Output tokens", Numbers.SignedCount(input.OutputTokens));
        Field(view, "Requests", Numbers.SignedCount(input.Requests));
        Field(view, "Billed", Numbers.SignedMicros(input.BilledMicros));
        Field(view, "Reason", $"{Labels.ReasonWord(input.ReasonCode)}: {input.Reason}");
        Field(view, "Proposed", $"{Labels.Time(correction.ProposedAt)} by {correction.ProposedByKeyId} ({correction.ProposedByRole})");
        if (correction.DecidedAt is not null)
        {
            Field(view, correction.State == CorrectionState.Declined ? "Declined" : "Approved", $"{Labels.Time(correction.DecidedAt)} by {correction.DecidedByKeyId}");
        }

        if (correction.DecisionReason.Length > 0)
        {
            Field(view, "Decline reason", correction.DecisionReason);
        }
    }

    public static void WriteTable(ConsoleView view, IEnumerable<Correction> corrections)
    {
        var table = Tables.Create(
            ("Correction", Justify.Left),
            ("Period", Justify.Left),
            ("Host", Justify.Left),
            ("Model", Justify.Left),
            ("Hours", Justify.Left),
            ("Input tokens", Justify.Right),
            ("Output tokens", Justify.Right),
            ("Requests", Justify.Right),
            ("Billed", Justify.Right),
            ("Reason", Justify.Left),
            ("State", Justify.Left),
            ("Proposed", Justify.Left));
        foreach (var c in corrections)
        {
            var input = c.Correction_ ?? new CorrectionInput();
            table.AddTextRow(
                c.CorrectionId,
                input.Period,
                input.HostId,
                input.Model,
                Labels.Hours(input),
                Numbers.SignedCount(input.InputTokens),
                Numbers.SignedCount(input.OutputTokens),
                Numbers.SignedCount(input.Requests),
                Numbers.SignedMicros(input.BilledMicros),
                Labels.ReasonWord(input.ReasonCode),
                Labels.State(c.State),
                $"{Labels.Time(c.ProposedAt)} ({c.ProposedByRole})");
        }

        view.Write(table);
    }

    /// <summary>One row per correction: the deltas as signed integers, times in ISO 8601 UTC.</summary>
    public static void WriteCsv(TextWriter writer, IEnumerable<Correction> corrections)
    {
        Csv.WriteRow(writer, CsvHeader);
        foreach (var c in corrections)
        {
            var input = c.Correction_ ?? new CorrectionInput();
            Csv.WriteRow(writer, [
                c.CorrectionId,
                input.HostId,
                input.Model,
                input.Period,
                Labels.IsoTime(input.FromHour),
                Labels.IsoTime(input.ToHour),
                Invariant(input.InputTokens),
                Invariant(input.OutputTokens),
                Invariant(input.Requests),
                Invariant(input.BilledMicros),
                Labels.ReasonCode(input.ReasonCode),
                input.Reason,
                Labels.State(c.State),
                Labels.IsoTime(c.ProposedAt),
                c.ProposedByKeyId,
                c.ProposedByRole,
                Labels.IsoTime(c.DecidedAt),
                c.DecidedByKeyId,
                c.DecisionReason,
            ]);
        }
    }

    private static void Field(ConsoleView view, string label, string value) => view.WriteLine(("  " + label.PadRight(LabelWidth) + value).TrimEnd());

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
