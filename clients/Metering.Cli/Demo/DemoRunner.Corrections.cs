using System.Globalization;
using Google.Protobuf.WellKnownTypes;
using Metering.Cli.Rendering;
using Metering.Client;
using Metering.Contracts.V1;

namespace Metering.Cli.Demo;

/// <summary>
/// The demo's corrections and disputes. Last month: <see cref="DisputingHost"/>'s gateway reports usage of its last
/// hour (within the ingest look-back), that month is settled and finalized, the host disputes the line, proposes a
/// correction that takes the duplicated part away, and billing resolves the dispute with it: the correction reaches
/// this month's statement as an ADJUSTMENT line naming it. This month: <see cref="CorrectingHost"/> proposes a refund
/// correction and billing approves it, so this month's DRAFT line names it. Billing is the demo's own (ADMIN) key.
/// </summary>
internal sealed partial class DemoRunner
{
    private const string CorrectingHost = "aws";
    private const string CorrectedModel = "llama-3.1-8b";
    private const string DisputingHost = "groq";
    private const string DisputedModel = "llama-3.1-70b";

    // Last month's report: 200 records of 25 requests each; 1,000 of the 5,000 requests turn out to be duplicates.
    private const int LastMonthRecords = 200;
    private const long RequestsPerRecord = 25;
    private const long DuplicateRequests = 1_000;

    private static DemoHost Host(string hostId) => DemoCatalog.Hosts.Single(h => h.HostId == hostId);

    private static DemoModel Model(string name) => DemoCatalog.Models.Single(m => m.Name == name);

    private static string PreviousPeriod(string period)
        => YearMonthStart(period).AddMonths(-1).ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static DateTimeOffset YearMonthStart(string period)
        => DateTimeOffset.ParseExact(period + "-01", "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    /// <summary>What one record of last month's report carries (the model's mean sizes, priced like the gateways do).</summary>
    private static UsageTotals LastMonthRecord()
    {
        var model = Model(DisputedModel);
        var input = RequestsPerRecord * model.MeanInputTokens;
        var output = RequestsPerRecord * model.MeanOutputTokens;
        var billed = (long)Math.Round(((input * model.ListPricePerMillionInput) + (output * model.ListPricePerMillionOutput)) * Host(DisputingHost).RetailMarkup);
        return new UsageTotals(RequestsPerRecord, input, output, billed);
    }

    /// <summary>
    /// Reports, with <see cref="DisputingHost"/>'s HOST key and ReportUsage, the usage its gateway served in the last
    /// half hour of last month (before the run's baseline, so the exactly-once and /metrics checks of the streaming
    /// run do not see it).
    /// </summary>
    private async Task<bool> ReportLastMonthAsync(string period, string runId, string hostKey, CancellationToken cancellationToken)
    {
        var previous = PreviousPeriod(period);
        var end = YearMonthStart(period);
        var first = end - TimeSpan.FromMinutes(30);
        var record = LastMonthRecord();
        var records = Enumerable.Range(0, LastMonthRecords).Select(i => new UsageRecord
        {
            Model = DisputedModel,
            InputTokens = record.InputTokens,
            OutputTokens = record.OutputTokens,
            Requests = record.Requests,
            BilledMicros = record.BilledMicros,
            EventTime = Timestamp.FromDateTimeOffset(first + TimeSpan.FromSeconds(i * 5)),
        });

        using var gateway = new MeteringClient(_context.Globals.Address.OriginalString, hostKey);
        var response = await gateway.Ingest.ReportUsageAsync($"demo-{runId}-{previous}", records, cancellationToken);
        if (response.Result != IngestResult.Accepted)
        {
            return Fail($"{DisputingHost}'s report of {previous} was {response.Result}: {string.Join("; ", response.Violations.Select(v => $"{v.Field} {v.Reason}"))}");
        }

        var total = record * LastMonthRecords;
        _out.WriteLine($"{previous}: {DisputingHost}'s gateway reports the last half hour of the month late (ReportUsage, {Labels.Time(Timestamp.FromDateTimeOffset(first))} on): " +
            $"{Numbers.Count(total.Requests)} requests of {DisputedModel}, {Numbers.Count(total.Tokens)} tokens, billed {Numbers.Micros(total.BilledMicros)}");
        _out.WriteLine();
        return true;
    }

    /// <summary>
    /// Runs the corrections and disputes of the demo (see the type's summary) and prints each step. Returns false (the problem
    /// written to the error output) if a step did not end as it should.
    /// </summary>
    private async Task<bool> CorrectAsync(
        string period, Dictionary<string, (string KeyId, string Secret)> keys, Dictionary<(string Host, string Model), UsageTotals> counted, CancellationToken cancellationToken)
    {
        var previous = PreviousPeriod(period);
        var billing = _context.Settlement.Corrections;
        _out.WriteLine("== Corrections and disputes (metering corrections ..., metering statements dispute, metering disputes resolve)");

        // This month, a DRAFT: the host proposes a refund of 5% of what it sent of one model in this run; billing approves.
        using var correctingHost = new MeteringClient(_context.Globals.SettlementAddress.OriginalString, keys[CorrectingHost].Secret);
        var refunded = counted.GetValueOrDefault((CorrectingHost, CorrectedModel)) / 20;
        if (refunded == default)
        {
            return Fail($"{CorrectingHost} sent no {CorrectedModel} usage in this run; there is nothing to refund");
        }

        var refund = (await correctingHost.Corrections.ProposeCorrectionAsync(
            new ProposeCorrectionRequest
            {
                Correction = Correction(CorrectingHost, CorrectedModel, period, -refunded, CorrectionReason.Refund, "customer refunded: a batch job whose outputs were cut off by a timeout"),
            },
            cancellationToken)).Correction;
        _out.WriteLine($"  {CorrectingHost} (HOST key) proposes {refund.CorrectionId} for {period} {CorrectedModel}: {Deltas(refund.Correction_)} [{Labels.State(refund.State)}]");
        refund = (await billing.ApproveCorrectionAsync(new ApproveCorrectionRequest { CorrectionId = refund.CorrectionId }, cancellationToken)).Correction;
        _out.WriteLine($"  billing approves {refund.CorrectionId} [{Labels.State(refund.State)}]: this month's DRAFT statement of {CorrectingHost} counts it");

        // Last month: settled and finalized; the host disputes its line, proposes the correction; billing resolves with it.
        if (await FinalStatementAsync(previous, cancellationToken) is not { } statement)
        {
            return Fail($"settling {previous} for {DisputingHost} wrote no statement");
        }

        if (statement.Lines.FirstOrDefault(l => l.Kind == StatementLineKind.Usage && l.Model == DisputedModel) is not { } line)
        {
            return Fail($"{DisputingHost}'s statement for {previous} has no {DisputedModel} line; its late report was not counted");
        }

        _out.WriteLine($"  {DisputingHost}'s statement {statement.StatementId} for {previous} is {Labels.Status(statement.Status)}: {DisputedModel} {Numbers.Count(line.Requests)} requests, owed {Numbers.Decimal(statement.AmountOwed)} {statement.Currency}");

        using var disputingHost = new MeteringClient(_context.Globals.SettlementAddress.OriginalString, keys[DisputingHost].Secret);
        var disputeRequest = new DisputeStatementRequest
        {
            StatementId = statement.StatementId,
            Message = string.Create(CultureInfo.InvariantCulture, $"{Numbers.Count(DuplicateRequests)} of these requests were reported twice: our gateway replayed its spool after a restart"),
        };
        disputeRequest.Lines.Add(new StatementLineRef { Model = DisputedModel });
        var dispute = (await disputingHost.Corrections.DisputeStatementAsync(disputeRequest, cancellationToken)).Dispute;
        _out.WriteLine($"  {DisputingHost} (HOST key) disputes line {DisputedModel}: {dispute.DisputeId} [{Labels.State(dispute.State)}] \"{dispute.Message}\"");

        var duplicate = LastMonthRecord() * (DuplicateRequests / RequestsPerRecord);
        var proposal = (await disputingHost.Corrections.ProposeCorrectionAsync(
            new ProposeCorrectionRequest
            {
                Correction = Correction(DisputingHost, DisputedModel, previous, -duplicate, CorrectionReason.DuplicateReport, "spool replayed after a gateway restart; see dispute " + dispute.DisputeId),
            },
            cancellationToken)).Correction;
        _out.WriteLine($"  {DisputingHost} (HOST key) proposes {proposal.CorrectionId} for {previous} {DisputedModel}: {Deltas(proposal.Correction_)} [{Labels.State(proposal.State)}]");

        var resolved = await billing.ResolveDisputeAsync(
            new ResolveDisputeRequest { DisputeId = dispute.DisputeId, CorrectionId = proposal.CorrectionId, Note = "confirmed against the gateway's spool" },
            cancellationToken);
        _out.WriteLine($"  billing resolves {resolved.Dispute.DisputeId} with {resolved.Correction.CorrectionId} [{Labels.State(resolved.Dispute.State)}; correction {Labels.State(resolved.Correction.State)}]: " +
            $"{previous} stays FINAL, this month's statement of {DisputingHost} carries it as an ADJUSTMENT line");
        _out.WriteLine();
        return true;
    }

    /// <summary>The disputing host's statement for last month, settled and finalized now unless an earlier demo run did that.</summary>
    private async Task<Statement?> FinalStatementAsync(string previous, CancellationToken cancellationToken)
    {
        var settlement = _context.Settlement.Settlement;
        var listRequest = new ListStatementsRequest { PeriodFrom = previous, PeriodTo = previous, Status = StatementStatus.Final };
        listRequest.HostIds.Add(DisputingHost);
        if ((await settlement.ListStatementsAsync(listRequest, cancellationToken)).Statements.FirstOrDefault() is { } final)
        {
            return final;
        }

        var run = new RunSettlementRequest { Period = previous };
        run.HostIds.Add(DisputingHost);
        if ((await settlement.RunSettlementAsync(run, cancellationToken)).Statements.FirstOrDefault() is not { } draft)
        {
            return null;
        }

        return (await settlement.FinalizeStatementAsync(new FinalizeStatementRequest { StatementId = draft.StatementId }, cancellationToken)).Statement;
    }

    private bool Fail(string problem)
    {
        _log.WriteLine("demo: " + problem);
        return false;
    }

    private static CorrectionInput Correction(string host, string model, string period, UsageTotals delta, CorrectionReason reason, string text) => new()
    {
        HostId = host,
        Model = model,
        Period = period,
        InputTokens = delta.InputTokens,
        OutputTokens = delta.OutputTokens,
        Requests = delta.Requests,
        BilledMicros = delta.BilledMicros,
        ReasonCode = reason,
        Reason = text,
    };

    private static string Deltas(CorrectionInput c)
        => $"{Labels.ReasonWord(c.ReasonCode)}, requests {Numbers.SignedCount(c.Requests)}, input {Numbers.SignedCount(c.InputTokens)}, output {Numbers.SignedCount(c.OutputTokens)}, billed {Numbers.SignedMicros(c.BilledMicros)}";
}
