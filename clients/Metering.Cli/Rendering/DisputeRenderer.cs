using Metering.Contracts.V1;
using Spectre.Console;

namespace Metering.Cli.Rendering;

/// <summary>
/// Disputes of statements for people (one in full, or many as a table), as CSV (one row each; the disputed lines as
/// <c>--line</c> writes them, separated by <c>;</c>) and as JSON (<c>{"disputes": [...]}</c> in the proto3 JSON mapping).
/// </summary>
internal static class DisputeRenderer
{
    private const int LabelWidth = 18;

    /// <summary>The CSV header of <see cref="WriteCsv"/>.</summary>
    public static readonly IReadOnlyList<string> CsvHeader =
    [
        "dispute_id", "statement_id", "host_id", "period", "lines", "message", "state", "opened_at", "opened_by_key_id",
        "resolved_at", "resolved_by_key_id", "correction_id", "resolution",
    ];

    /// <summary>Writes disputes in <paramref name="format"/>; a table lists them, or says none match.</summary>
    public static void Write(ConsoleView view, IReadOnlyList<Dispute> disputes, ExportFormat format)
    {
        switch (format)
        {
            case ExportFormat.Json:
                ProtoJson.WriteArray(view.Writer, "disputes", disputes);
                break;
            case ExportFormat.Csv:
                WriteCsv(view.Writer, disputes);
                break;
            default:
                if (disputes.Count == 0)
                {
                    view.WriteLine("No disputes match.");
                }
                else
                {
                    WriteTable(view, disputes);
                }

                break;
        }
    }

    /// <summary>One dispute in full, field by field.</summary>
    public static void WriteDetails(ConsoleView view, Dispute dispute)
    {
        view.WriteLine($"Dispute {dispute.DisputeId} [{Labels.State(dispute.State)}]");
        Field(view, "Statement", $"{dispute.StatementId} ({dispute.HostId}, {dispute.Period})");
        Field(view, "Lines", Lines(dispute));
        Field(view, "Message", dispute.Message);
        Field(view, "Opened", $"{Labels.Time(dispute.OpenedAt)} by {dispute.OpenedByKeyId}");
        if (dispute.ResolvedAt is not null)
        {
            Field(view, dispute.State == DisputeState.Rejected ? "Rejected" : "Resolved", $"{Labels.Time(dispute.ResolvedAt)} by {dispute.ResolvedByKeyId}");
        }

        if (dispute.CorrectionId.Length > 0)
        {
            Field(view, "Correction", dispute.CorrectionId);
        }

        if (dispute.Resolution.Length > 0)
        {
            Field(view, dispute.State == DisputeState.Rejected ? "Reason" : "Note", dispute.Resolution);
        }
    }

    public static void WriteTable(ConsoleView view, IEnumerable<Dispute> disputes)
    {
        var table = Tables.Create(
            ("Dispute", Justify.Left),
            ("Opened", Justify.Left),
            ("Host", Justify.Left),
            ("Period", Justify.Left),
            ("Statement", Justify.Left),
            ("Lines", Justify.Left),
            ("State", Justify.Left),
            ("Outcome", Justify.Left),
            ("Message", Justify.Left));
        foreach (var d in disputes)
        {
            table.AddTextRow(
                d.DisputeId,
                Labels.Time(d.OpenedAt),
                d.HostId,
                d.Period,
                d.StatementId,
                Lines(d),
                Labels.State(d.State),
                Outcome(d),
                d.Message);
        }

        view.Write(table);
    }

    /// <summary>One row per dispute.</summary>
    public static void WriteCsv(TextWriter writer, IEnumerable<Dispute> disputes)
    {
        Csv.WriteRow(writer, CsvHeader);
        foreach (var d in disputes)
        {
            Csv.WriteRow(writer, [
                d.DisputeId,
                d.StatementId,
                d.HostId,
                d.Period,
                string.Join(';', d.Lines.Select(Labels.Line)),
                d.Message,
                Labels.State(d.State),
                Labels.IsoTime(d.OpenedAt),
                d.OpenedByKeyId,
                Labels.IsoTime(d.ResolvedAt),
                d.ResolvedByKeyId,
                d.CorrectionId,
                d.Resolution,
            ]);
        }
    }

    /// <summary>The disputed lines as <c>--line</c> names them, or <c>whole statement</c>.</summary>
    public static string Lines(Dispute dispute)
        => dispute.Lines.Count == 0 ? "whole statement" : string.Join(", ", dispute.Lines.Select(Labels.Line));

    private static string Outcome(Dispute dispute) => dispute.State switch
    {
        DisputeState.Resolved => "by " + dispute.CorrectionId,
        DisputeState.Rejected => "rejected: " + dispute.Resolution,
        _ => string.Empty,
    };

    private static void Field(ConsoleView view, string label, string value) => view.WriteLine(("  " + label.PadRight(LabelWidth) + value).TrimEnd());
}
