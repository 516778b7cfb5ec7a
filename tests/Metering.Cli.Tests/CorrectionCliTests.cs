using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using System.Text.RegularExpressions;
using Metering.Cli.Rendering;
using Metering.Cli.Tests.Infrastructure;
using Metering.Testing;

namespace Metering.Cli.Tests;

/// <summary>
/// The correction and dispute commands in-process against the real settlement service (real PostgreSQL): a host's
/// proposals waiting for billing, billing's own corrections approved at once, the refusal of a corrected total below
/// zero, the corrections in a DRAFT statement's lines, disputes and acknowledgements of FINAL statements, a dispute
/// resolved by a correction that then reaches the next statement as an ADJUSTMENT line, and every refusal printed with
/// its status and field violations.
/// </summary>
public sealed partial class CorrectionCliTests : IAsyncLifetime
{
    private const string Model = "llama-3.1-8b";

    private static readonly DateTime Now = new(2026, 11, 15, 12, 0, 0, DateTimeKind.Utc);

    private SettlementServiceHost _service = null!;
    private string _hostKey = null!;
    private string _otherHostKey = null!;
    private string _billingKey = null!;

    public async Task InitializeAsync()
    {
        _service = await SettlementServiceHost.StartAsync(Now);
        _hostKey = await _service.CreateHostAsync("aws");
        _otherHostKey = await _service.CreateHostAsync("gcp");
        _billingKey = await _service.CreateKeyAsync("BILLING");
        await _service.AddUsageAsync("aws", Model, new DateTime(2026, 10, 10, 13, 0, 0, DateTimeKind.Utc), input: 2_000_000, output: 1_000_000, requests: 10);
        var agreement = await Cli(SettlementServiceHost.AdminKey, "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "USD", "--basis", "rate-card", "--rate", "*=1,2,0", "--tier", "0=10");
        Assert.True(agreement.ExitCode == ExitCodes.Ok, agreement.ToString());
    }

    public async Task DisposeAsync() => await _service.DisposeAsync();

    [Fact]
    public async Task Corrections_HostProposes_BillingApprovesOrDeclines_AndSettlementCountsTheApprovedOnes()
    {
        // The host proposes: PROPOSED, counts nowhere yet.
        var proposed = await Cli(_hostKey, "corrections", "propose", "--host", "aws", "--model", Model, "--period", "2026-10",
            "--input-tokens", "-500000", "--requests", "-2", "--reason-code", "duplicate-report", "--reason", "gateway retried a batch");
        Assert.True(proposed.ExitCode == ExitCodes.Ok, proposed.ToString());
        var first = CorrectionId().Match(proposed.Out).Groups[1].Value;
        Assert.StartsWith($"Proposed:\nCorrection {first} [PROPOSED]\n", Lf(proposed.Out), StringComparison.Ordinal);
        Assert.Contains("\n  Host              aws\n", Lf(proposed.Out), StringComparison.Ordinal);
        Assert.Contains("\n  Hours             whole month\n", Lf(proposed.Out), StringComparison.Ordinal);
        Assert.Contains("\n  Input tokens      -500,000\n", Lf(proposed.Out), StringComparison.Ordinal);
        Assert.Contains("\n  Requests          -2\n", Lf(proposed.Out), StringComparison.Ordinal);
        Assert.Contains("\n  Reason            duplicate-report: gateway retried a batch\n", Lf(proposed.Out), StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  Proposed          2026-11-15 12:00:00 UTC by \S+ \(HOST\)$", proposed.Out);
        Assert.Contains($"It counts once approved: 'metering corrections approve {first}' (BILLING or ADMIN key).", proposed.Out, StringComparison.Ordinal);

        // Only billing approves.
        var byHost = await Cli(_hostKey, "corrections", "approve", first);
        Assert.True(byHost.ExitCode == ExitCodes.Failed, byHost.ToString());
        Assert.StartsWith("error: PERMISSION_DENIED (7): ", byHost.Error, StringComparison.Ordinal);
        Assert.Contains("deciding corrections and disputes needs BILLING or ADMIN", byHost.Error, StringComparison.Ordinal);

        _service.Clock.Advance(TimeSpan.FromMinutes(1));
        var approved = await Cli(_billingKey, "corrections", "approve", first);
        Assert.True(approved.ExitCode == ExitCodes.Ok, approved.ToString());
        Assert.StartsWith($"Approved:\nCorrection {first} [APPROVED]\n", Lf(approved.Out), StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  Approved          2026-11-15 12:01:00 UTC by \S+$", approved.Out);
        var again = await Cli(_billingKey, "corrections", "approve", first, "--format", "csv");
        Assert.True(again.ExitCode == ExitCodes.Ok, again.ToString());
        Assert.Contains($"\n{first},aws,{Model},2026-10,2026-10-01T00:00:00Z,2026-11-01T00:00:00Z,-500000,0,-2,0,DUPLICATE_REPORT,gateway retried a batch,APPROVED,2026-11-15T12:00:00Z,", again.Out, StringComparison.Ordinal);
        Assert.Contains(",2026-11-15T12:01:00Z,", again.Out, StringComparison.Ordinal);

        // A proposal of some hours, declined with a reason; a declined correction cannot be approved.
        _service.Clock.Advance(TimeSpan.FromMinutes(1));
        var hours = await Cli(_hostKey, "corrections", "propose", "--host", "aws", "--model", Model, "--period", "2026-10",
            "--from-hour", "2026-10-10T13:00Z", "--to-hour", "2026-10-10T14:00Z", "--output-tokens", "-1000", "--reason-code", "refund", "--reason", "customer refunded");
        Assert.True(hours.ExitCode == ExitCodes.Ok, hours.ToString());
        var second = CorrectionId().Match(hours.Out).Groups[1].Value;
        Assert.Contains("\n  Hours             2026-10-10 13:00 to 2026-10-10 14:00 UTC\n", Lf(hours.Out), StringComparison.Ordinal);
        var declined = await Cli(_billingKey, "corrections", "decline", second, "--reason", "no refund on record");
        Assert.True(declined.ExitCode == ExitCodes.Ok, declined.ToString());
        Assert.StartsWith($"Declined:\nCorrection {second} [DECLINED]\n", Lf(declined.Out), StringComparison.Ordinal);
        Assert.Contains("\n  Decline reason    no refund on record\n", Lf(declined.Out), StringComparison.Ordinal);
        var approveDeclined = await Cli(_billingKey, "corrections", "approve", second);
        Assert.True(approveDeclined.ExitCode == ExitCodes.Failed, approveDeclined.ToString());
        Assert.StartsWith("error: FAILED_PRECONDITION (9): ", approveDeclined.Error, StringComparison.Ordinal);

        // Billing's own correction is APPROVED at once.
        _service.Clock.Advance(TimeSpan.FromMinutes(1));
        var billing = await Cli(_billingKey, "corrections", "propose", "--host", "aws", "--model", Model, "--period", "2026-10",
            "--requests", "+5", "--reason-code", "missing-usage", "--reason", "five requests lost in an outage", "--format", "json");
        Assert.True(billing.ExitCode == ExitCodes.Ok, billing.ToString());
        string third;
        using (var document = JsonDocument.Parse(billing.Out))
        {
            var correction = document.RootElement.GetProperty("corrections").EnumerateArray().Single();
            third = correction.GetProperty("correction_id").GetString()!;
            Assert.Matches("^co_[0-9a-f]{16}$", third);
            Assert.Equal("CORRECTION_STATE_APPROVED", correction.GetProperty("state").GetString());
            Assert.Equal("BILLING", correction.GetProperty("proposed_by_role").GetString());
            Assert.Equal("5", correction.GetProperty("correction").GetProperty("requests").GetString());
            Assert.Equal("CORRECTION_REASON_MISSING_USAGE", correction.GetProperty("correction").GetProperty("reason_code").GetString());
        }

        // No corrected total below zero: 1,000,000 output tokens counted, 5,000,000 taken away.
        var negative = await Cli(_billingKey, "corrections", "propose", "--host", "aws", "--model", Model, "--period", "2026-10",
            "--output-tokens", "-5000000", "--reason-code", "other", "--reason", "too much");
        Assert.True(negative.ExitCode == ExitCodes.Failed, negative.ToString());
        Assert.StartsWith("error: FAILED_PRECONDITION (9): ", negative.Error, StringComparison.Ordinal);
        Assert.Contains("\n  field violations:\n", Lf(negative.Error), StringComparison.Ordinal);
        Assert.Matches(@"(?m)^    correction\.output_tokens: .+ \[CORRECTED_TOTAL_NEGATIVE\]$", negative.Error);
        Assert.Empty(negative.Out);

        // The server's own validation, printed with its field violations: hours outside the period.
        var outside = await Cli(_billingKey, "corrections", "propose", "--host", "aws", "--model", Model, "--period", "2026-10",
            "--from-hour", "2026-11-01T00Z", "--to-hour", "2026-11-01T01Z", "--requests", "1", "--reason-code", "other", "--reason", "late");
        Assert.True(outside.ExitCode == ExitCodes.Failed, outside.ToString());
        Assert.StartsWith("error: INVALID_ARGUMENT (3): ", outside.Error, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^    correction\.from_hour: .+ \[OUT_OF_RANGE\]$", outside.Error);

        // A HOST key only corrects, and only sees, its own host.
        var otherHost = await Cli(_otherHostKey, "corrections", "propose", "--host", "aws", "--model", Model, "--period", "2026-10",
            "--requests", "1", "--reason-code", "other", "--reason", "not mine");
        Assert.True(otherHost.ExitCode == ExitCodes.Failed, otherHost.ToString());
        Assert.StartsWith("error: PERMISSION_DENIED (7): ", otherHost.Error, StringComparison.Ordinal);
        Assert.Equal("No corrections match.", (await Cli(_otherHostKey, "corrections", "list")).Out.Trim());

        // Listed by period, then proposal time; filtered and limited.
        var csv = await Cli(_billingKey, "corrections", "list", "--format", "csv");
        Assert.True(csv.ExitCode == ExitCodes.Ok, csv.ToString());
        var rows = Rows(csv.Out);
        Assert.Equal(string.Join(',', CorrectionRenderer.CsvHeader), rows[0]);
        Assert.Equal([first, second, third], rows.Skip(1).Select(r => r.Split(',')[0]));
        Assert.Equal(["APPROVED", "DECLINED", "APPROVED"], rows.Skip(1).Select(r => r.Split(',')[12]));

        var approvedOnly = await Cli(_hostKey, "corrections", "list", "--host", "aws", "--period", "2026-10", "--state", "approved", "--format", "csv");
        Assert.Equal([first, third], Rows(approvedOnly.Out).Skip(1).Select(r => r.Split(',')[0]));
        Assert.Equal([first], Rows((await Cli(_billingKey, "corrections", "list", "--limit", "1", "--format", "csv")).Out).Skip(1).Select(r => r.Split(',')[0]));
        Assert.Equal("No corrections match.", (await Cli(_billingKey, "corrections", "list", "--period", "2026-09")).Out.Trim());

        var table = await Cli(_billingKey, "corrections", "list", "--state", "declined");
        Assert.Matches($@"(?m)^Correction\s+Period\s+Host\s+Model\s+Hours\s+Input tokens\s+Output tokens\s+Requests\s+Billed\s+Reason\s+State\s+Proposed$", table.Out);
        Assert.Matches($@"(?m)^{second}\s+2026-10\s+aws\s+{Regex.Escape(Model)}\s+2026-10-10 13:00 to 2026-10-10 14:00 UTC\s+0\s+-1,000\s+0\s+0\.000000\s+refund\s+DECLINED\s+2026-11-15 12:02:00 UTC \(HOST\)$", table.Out);
        Assert.DoesNotContain(first, table.Out, StringComparison.Ordinal);

        // Settlement counts the approved corrections, and the line names them.
        Assert.Equal(ExitCodes.Ok, (await Cli(_billingKey, "settle", "--period", "2026-10")).ExitCode);
        var show = await Cli(_billingKey, "statements", "show", "--host", "aws", "--period", "2026-10");
        Assert.True(show.ExitCode == ExitCodes.Ok, show.ToString());
        Assert.Matches(@"(?m)^  Model\s+Input tokens\s+Output tokens\s+Requests\s+Priced by\s+Gross revenue\s+Corrections$", show.Out);
        var line = Regex.Match(show.Out, $@"(?m)^  {Regex.Escape(Model)}\s+1,500,000\s+1,000,000\s+13\s+rate \*\s+\S+\s+(co_[0-9a-f]{{16}}), (co_[0-9a-f]{{16}})$");
        Assert.True(line.Success, show.Out);
        string[] ordered = [.. new[] { first, third }.Order(StringComparer.Ordinal)];
        string[] listed = [line.Groups[1].Value, line.Groups[2].Value];
        Assert.Equal(ordered, listed);
        Assert.DoesNotContain(second, show.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Disputes_OfFinalStatements_RejectedOrResolvedByACorrection_ThenAcknowledged()
    {
        Assert.Equal(ExitCodes.Ok, (await Cli(_billingKey, "settle", "--period", "2026-10")).ExitCode);
        var october = Rows((await Cli(_hostKey, "statements", "list", "--period", "2026-10", "--format", "csv")).Out)[1].Split(',')[0];

        // A DRAFT is neither disputed nor acknowledged.
        var draftDispute = await Cli(_hostKey, "statements", "dispute", october, "--message", "too early");
        Assert.True(draftDispute.ExitCode == ExitCodes.Failed, draftDispute.ToString());
        Assert.StartsWith("error: FAILED_PRECONDITION (9): ", draftDispute.Error, StringComparison.Ordinal);
        var draftAck = await Cli(_hostKey, "statements", "acknowledge", october);
        Assert.True(draftAck.ExitCode == ExitCodes.Failed, draftAck.ToString());
        Assert.StartsWith("error: FAILED_PRECONDITION (9): ", draftAck.Error, StringComparison.Ordinal);

        Assert.Equal(ExitCodes.Ok, (await Cli(_billingKey, "statements", "finalize", october)).ExitCode);

        // A line the statement does not have is named in the error; only the statement's host disputes it.
        var unknownLine = await Cli(_hostKey, "statements", "dispute", october, "--line", "qwen2.5-72b", "--message", "never served it");
        Assert.True(unknownLine.ExitCode == ExitCodes.Failed, unknownLine.ToString());
        Assert.StartsWith("error: INVALID_ARGUMENT (3): ", unknownLine.Error, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^    lines\[0\]: .+ \[UNKNOWN_LINE\]$", unknownLine.Error);
        var otherHost = await Cli(_otherHostKey, "statements", "dispute", october, "--message", "not mine");
        Assert.True(otherHost.ExitCode == ExitCodes.Failed, otherHost.ToString());
        Assert.StartsWith("error: PERMISSION_DENIED (7): ", otherHost.Error, StringComparison.Ordinal);

        // A dispute of a line, rejected by billing.
        var disputed = await Cli(_hostKey, "statements", "dispute", october, "--line", Model, "--message", "twice what our gateway logged");
        Assert.True(disputed.ExitCode == ExitCodes.Ok, disputed.ToString());
        var rejected = DisputeId().Match(disputed.Out).Groups[1].Value;
        Assert.StartsWith($"Disputed:\nDispute {rejected} [OPEN]\n  Statement         {october} (aws, 2026-10)\n  Lines             {Model}\n  Message           twice what our gateway logged\n", Lf(disputed.Out), StringComparison.Ordinal);
        Assert.Contains($"Billing answers with 'metering disputes resolve {rejected}'", disputed.Out, StringComparison.Ordinal);

        var whileOpen = await Cli(_hostKey, "statements", "acknowledge", october);
        Assert.True(whileOpen.ExitCode == ExitCodes.Failed, whileOpen.ToString());
        Assert.StartsWith("error: FAILED_PRECONDITION (9): ", whileOpen.Error, StringComparison.Ordinal);

        var open = await Cli(_billingKey, "disputes", "list", "--state", "open");
        Assert.True(open.ExitCode == ExitCodes.Ok, open.ToString());
        Assert.Matches($@"(?m)^{rejected}\s+2026-11-15 12:00:00 UTC\s+aws\s+2026-10\s+{october}\s+{Regex.Escape(Model)}\s+OPEN\s+twice what our gateway logged$", open.Out);

        var byHost = await Cli(_hostKey, "disputes", "resolve", rejected, "--reject", "mine");
        Assert.True(byHost.ExitCode == ExitCodes.Failed, byHost.ToString());
        Assert.StartsWith("error: PERMISSION_DENIED (7): ", byHost.Error, StringComparison.Ordinal);

        _service.Clock.Advance(TimeSpan.FromMinutes(1));
        var reject = await Cli(_billingKey, "disputes", "resolve", rejected, "--reject", "matches the gateway's own logs");
        Assert.True(reject.ExitCode == ExitCodes.Ok, reject.ToString());
        Assert.StartsWith($"Rejected:\nDispute {rejected} [REJECTED]\n", Lf(reject.Out), StringComparison.Ordinal);
        Assert.Matches(@"(?m)^  Rejected          2026-11-15 12:01:00 UTC by \S+$", reject.Out);
        Assert.Contains("\n  Reason            matches the gateway's own logs\n", Lf(reject.Out), StringComparison.Ordinal);
        var twice = await Cli(_billingKey, "disputes", "resolve", rejected, "--reject", "again");
        Assert.True(twice.ExitCode == ExitCodes.Failed, twice.ToString());
        Assert.StartsWith("error: FAILED_PRECONDITION (9): ", twice.Error, StringComparison.Ordinal);

        // A dispute of the whole statement, resolved by the host's proposed correction, which that approves.
        _service.Clock.Advance(TimeSpan.FromMinutes(1));
        var whole = await Cli(_hostKey, "statements", "dispute", october, "--message", "we refunded 100,000 input tokens", "--format", "csv");
        Assert.True(whole.ExitCode == ExitCodes.Ok, whole.ToString());
        var wholeRow = Rows(whole.Out);
        Assert.Equal(string.Join(',', DisputeRenderer.CsvHeader), wholeRow[0]);
        var resolved = wholeRow[1].Split(',')[0];
        Assert.Matches("^di_[0-9a-f]{16}$", resolved);
        Assert.StartsWith($"{resolved},{october},aws,2026-10,,\"we refunded 100,000 input tokens\",OPEN,2026-11-15T12:02:00Z,", wholeRow[1], StringComparison.Ordinal);

        var proposal = await Cli(_hostKey, "corrections", "propose", "--host", "aws", "--model", Model, "--period", "2026-10",
            "--input-tokens", "-100000", "--reason-code", "dispute-resolution", "--reason", "refund of 100,000 input tokens");
        Assert.True(proposal.ExitCode == ExitCodes.Ok, proposal.ToString());
        var correction = CorrectionId().Match(proposal.Out).Groups[1].Value;

        _service.Clock.Advance(TimeSpan.FromMinutes(1));
        var resolve = await Cli(_billingKey, "disputes", "resolve", resolved, "--correction", correction, "--note", "refund confirmed", "--format", "json");
        Assert.True(resolve.ExitCode == ExitCodes.Ok, resolve.ToString());
        using (var document = JsonDocument.Parse(resolve.Out))
        {
            var dispute = document.RootElement.GetProperty("dispute");
            Assert.Equal(resolved, dispute.GetProperty("dispute_id").GetString());
            Assert.Equal("DISPUTE_STATE_RESOLVED", dispute.GetProperty("state").GetString());
            Assert.Equal(correction, dispute.GetProperty("correction_id").GetString());
            Assert.Equal("refund confirmed", dispute.GetProperty("resolution").GetString());
            Assert.Empty(dispute.GetProperty("lines").EnumerateArray());
            var applied = document.RootElement.GetProperty("correction");
            Assert.Equal(correction, applied.GetProperty("correction_id").GetString());
            Assert.Equal("CORRECTION_STATE_APPROVED", applied.GetProperty("state").GetString());
        }

        // The host sees both disputes, oldest first.
        var mine = await Cli(_hostKey, "disputes", "list", "--statement", october, "--format", "csv");
        Assert.True(mine.ExitCode == ExitCodes.Ok, mine.ToString());
        var disputes = Rows(mine.Out).Skip(1).ToList();
        Assert.Equal(2, disputes.Count);
        Assert.StartsWith($"{rejected},{october},aws,2026-10,{Model},twice what our gateway logged,REJECTED,", disputes[0], StringComparison.Ordinal);
        Assert.EndsWith(",,matches the gateway's own logs", disputes[0], StringComparison.Ordinal);
        Assert.StartsWith($"{resolved},{october},aws,2026-10,,", disputes[1], StringComparison.Ordinal);
        Assert.EndsWith($",{correction},refund confirmed", disputes[1], StringComparison.Ordinal);
        var resolvedTable = await Cli(_billingKey, "disputes", "list", "--state", "resolved");
        Assert.Matches($@"(?m)^{resolved}\s+2026-11-15 12:02:00 UTC\s+aws\s+2026-10\s+{october}\s+whole statement\s+RESOLVED\s+by {correction}\s+we refunded 100,000 input tokens$", resolvedTable.Out);
        Assert.DoesNotContain(rejected, resolvedTable.Out, StringComparison.Ordinal);
        Assert.Equal("No disputes match.", (await Cli(_otherHostKey, "disputes", "list")).Out.Trim());

        // Closed disputes: the host acknowledges, once; an acknowledged statement is not disputed.
        _service.Clock.Advance(TimeSpan.FromMinutes(1));
        var ack = await Cli(_hostKey, "statements", "acknowledge", october, "--message", "settled");
        Assert.True(ack.ExitCode == ExitCodes.Ok, ack.ToString());
        Assert.Matches($@"^Statement {october} \(aws\) acknowledged at 2026-11-15 12:04:00 UTC by \S+\.\n  Message: settled\n$", Lf(ack.Out));
        _service.Clock.Advance(TimeSpan.FromMinutes(1));
        var ackAgain = await Cli(_hostKey, "statements", "acknowledge", october, "--format", "json");
        Assert.True(ackAgain.ExitCode == ExitCodes.Ok, ackAgain.ToString());
        using (var document = JsonDocument.Parse(ackAgain.Out))
        {
            var first = document.RootElement.GetProperty("acknowledgement");
            Assert.Equal(october, first.GetProperty("statement_id").GetString());
            Assert.Equal("2026-11-15T12:04:00Z", first.GetProperty("acknowledged_at").GetString());
            Assert.Equal("settled", first.GetProperty("message").GetString());
        }

        var afterAck = await Cli(_hostKey, "statements", "dispute", october, "--message", "changed our mind");
        Assert.True(afterAck.ExitCode == ExitCodes.Failed, afterAck.ToString());
        Assert.StartsWith("error: FAILED_PRECONDITION (9): ", afterAck.Error, StringComparison.Ordinal);

        // The correction reaches the next statement as an ADJUSTMENT line naming it, which can be disputed in turn.
        Assert.Equal(ExitCodes.Ok, (await Cli(_billingKey, "settle", "--period", "2026-11")).ExitCode);
        var november = await Cli(_hostKey, "statements", "show", "--host", "aws", "--period", "2026-11");
        Assert.True(november.ExitCode == ExitCodes.Ok, november.ToString());
        Assert.Contains("Adjustments: late usage and approved corrections of finalized periods", november.Out, StringComparison.Ordinal);
        Assert.Matches($@"(?m)^  2026-10\s+{Regex.Escape(Model)}\s+-100,000\s+0\s+0\s+rate \*\s+\S+\s+{correction}$", november.Out);

        _service.Clock.Set(new DateTime(2026, 12, 2, 9, 0, 0, DateTimeKind.Utc));
        Assert.Equal(ExitCodes.Ok, (await Cli(_billingKey, "settle", "--period", "2026-11")).ExitCode);
        var novemberId = Rows((await Cli(_hostKey, "statements", "list", "--period", "2026-11", "--format", "csv")).Out)[1].Split(',')[0];
        var finalize = await Cli(_billingKey, "statements", "finalize", novemberId);
        Assert.True(finalize.ExitCode == ExitCodes.Ok, finalize.ToString());
        var adjustment = await Cli(_hostKey, "statements", "dispute", novemberId, "--line", $"{Model}@2026-10", "--message", "the refund was larger");
        Assert.True(adjustment.ExitCode == ExitCodes.Ok, adjustment.ToString());
        Assert.Contains($"\n  Statement         {novemberId} (aws, 2026-11)\n  Lines             {Model}@2026-10\n", Lf(adjustment.Out), StringComparison.Ordinal);
        var notALine = await Cli(_hostKey, "statements", "dispute", novemberId, "--line", $"{Model}@2026-09", "--message", "no such line");
        Assert.True(notALine.ExitCode == ExitCodes.Failed, notALine.ToString());
        Assert.Matches(@"(?m)^    lines\[0\]: .+ \[UNKNOWN_LINE\]$", notALine.Error);
    }

    private Task<CliRun> Cli(string key, params string[] args) => MeteringCli.RunAsync(Environment(key), args);

    private Dictionary<string, string> Environment(string key) => new()
    {
        ["METERING_ADDRESS"] = "http://127.0.0.1:" + ClosedPort().ToString(CultureInfo.InvariantCulture),
        ["METERING_SETTLEMENT_ADDRESS"] = _service.Address.ToString().TrimEnd('/'),
        ["METERING_API_KEY"] = key,
    };

    private static List<string> Rows(string csv) => [.. csv.TrimEnd().Split('\n').Select(l => l.TrimEnd('\r'))];

    private static string Lf(string text) => text.Replace("\r\n", "\n", StringComparison.Ordinal);

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [GeneratedRegex(@"^(?:Proposed|Recorded):\r?\nCorrection (co_[0-9a-f]{16}) ")]
    private static partial Regex CorrectionId();

    [GeneratedRegex(@"^Disputed:\r?\nDispute (di_[0-9a-f]{16}) ")]
    private static partial Regex DisputeId();
}
