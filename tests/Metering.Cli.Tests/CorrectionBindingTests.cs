using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Metering.Cli.Commands;
using Metering.Cli.Rendering;
using Metering.Cli.Tests.Infrastructure;
using Metering.Contracts.V1;

namespace Metering.Cli.Tests;

/// <summary>
/// The commands of corrections, acknowledgements and disputes (and <c>usage --view</c>): valid command lines become the
/// CorrectionService (and UsageService) requests they send. No server is called.
/// </summary>
public sealed class CorrectionBindingTests
{
    [Fact]
    public void CorrectionsPropose_AllOptions_BecomeOneCorrection_WithNegativeDeltas()
    {
        var request = Bind((CorrectionsProposeCommand c, ParseResult p) => c.Bind(p),
            "corrections", "propose", "--host", "aws", "--model", "llama-3.1-8b", "--period", "2026-10",
            "--from-hour", "2026-10-05T00Z", "--to-hour", "2026-10-06T02:00+02:00",
            "--input-tokens", "-500", "--output-tokens=-7", "--requests", "+3", "--billed-micros", "-1500000",
            "--reason-code", "duplicate-report", "--reason", "gateway retried a batch");

        Assert.Equal(
            new CorrectionInput
            {
                HostId = "aws",
                Model = "llama-3.1-8b",
                Period = "2026-10",
                FromHour = Timestamp.FromDateTime(new DateTime(2026, 10, 5, 0, 0, 0, DateTimeKind.Utc)),
                ToHour = Timestamp.FromDateTime(new DateTime(2026, 10, 6, 0, 0, 0, DateTimeKind.Utc)),
                InputTokens = -500,
                OutputTokens = -7,
                Requests = 3,
                BilledMicros = -1_500_000,
                ReasonCode = CorrectionReason.DuplicateReport,
                Reason = "gateway retried a batch",
            },
            request.Correction);
    }

    [Fact]
    public void CorrectionsPropose_WithoutHours_IsTheWholePeriod_AndUnsetDeltasAreZero()
    {
        var request = Bind((CorrectionsProposeCommand c, ParseResult p) => c.Bind(p),
            "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--output-tokens", "120000",
            "--reason-code", "MISSING-USAGE", "--reason", "outage");

        var input = request.Correction;
        Assert.Null(input.FromHour);
        Assert.Null(input.ToHour);
        Assert.Equal(0, input.InputTokens);
        Assert.Equal(120_000, input.OutputTokens);
        Assert.Equal(0, input.Requests);
        Assert.Equal(0, input.BilledMicros);
        Assert.Equal(CorrectionReason.MissingUsage, input.ReasonCode);
    }

    [Theory]
    [InlineData("refund", CorrectionReason.Refund)]
    [InlineData("duplicate-report", CorrectionReason.DuplicateReport)]
    [InlineData("missing-usage", CorrectionReason.MissingUsage)]
    [InlineData("pricing-error", CorrectionReason.PricingError)]
    [InlineData("dispute-resolution", CorrectionReason.DisputeResolution)]
    [InlineData("other", CorrectionReason.Other)]
    public void CorrectionsPropose_ReasonCodes_MapToTheWire(string word, CorrectionReason expected)
    {
        var request = Bind((CorrectionsProposeCommand c, ParseResult p) => c.Bind(p),
            "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10", "--requests", "-1", "--reason-code", word, "--reason", "r");

        Assert.Equal(expected, request.Correction.ReasonCode);
        Assert.Equal(word, Labels.ReasonWord(expected));
    }

    [Fact]
    public void CorrectionsPropose_Int64Extremes_AreKept()
    {
        var request = Bind((CorrectionsProposeCommand c, ParseResult p) => c.Bind(p),
            "corrections", "propose", "--host", "aws", "--model", "m", "--period", "2026-10",
            "--input-tokens", "-9223372036854775808", "--billed-micros", "9223372036854775807", "--reason-code", "other", "--reason", "r");

        Assert.Equal(long.MinValue, request.Correction.InputTokens);
        Assert.Equal(long.MaxValue, request.Correction.BilledMicros);
    }

    [Fact]
    public void CorrectionsApproveAndDecline_BindTheIdAndReason()
    {
        Assert.Equal(
            new ApproveCorrectionRequest { CorrectionId = "co_0123456789abcdef" },
            Bind((CorrectionsApproveCommand c, ParseResult p) => c.Bind(p), "corrections", "approve", "co_0123456789abcdef"));
        Assert.Equal(
            new DeclineCorrectionRequest { CorrectionId = "co_1", Reason = "not a duplicate" },
            Bind((CorrectionsDeclineCommand c, ParseResult p) => c.Bind(p), "corrections", "decline", "co_1", "--reason", "not a duplicate"));
    }

    [Fact]
    public void CorrectionsList_Filters_AndTheLimitCapsThePageSize()
    {
        var (request, limit, format) = Bind((CorrectionsListCommand c, ParseResult p) => c.Bind(p),
            "corrections", "list", "--host", "aws", "--period", "2026-10", "--state", "Proposed", "--limit", "5000", "--format", "csv");

        Assert.Equal(new ListCorrectionsRequest { HostId = "aws", Period = "2026-10", State = CorrectionState.Proposed, PageSize = 1000 }, request);
        Assert.Equal(5000, limit);
        Assert.Equal(ExportFormat.Csv, format);
    }

    [Fact]
    public void CorrectionsList_Defaults_AreEveryStateAHundredAndATable()
    {
        var (request, limit, format) = Bind((CorrectionsListCommand c, ParseResult p) => c.Bind(p), "corrections", "list");

        Assert.Equal(new ListCorrectionsRequest { PageSize = 100 }, request);
        Assert.Equal(100, limit);
        Assert.Equal(ExportFormat.Table, format);
    }

    [Fact]
    public void StatementsAcknowledge_MessageIsOptional()
    {
        Assert.Equal(
            new AcknowledgeStatementRequest { StatementId = "st_1" },
            Bind((StatementsAcknowledgeCommand c, ParseResult p) => c.Bind(p), "statements", "acknowledge", "st_1"));
        Assert.Equal(
            new AcknowledgeStatementRequest { StatementId = "st_1", Message = "matches our logs" },
            Bind((StatementsAcknowledgeCommand c, ParseResult p) => c.Bind(p), "statements", "acknowledge", "st_1", "--message", "matches our logs"));
    }

    [Fact]
    public void StatementsDispute_Lines_AreUsageOrAdjustmentLines_InOrder()
    {
        var request = Bind((StatementsDisputeCommand c, ParseResult p) => c.Bind(p),
            "statements", "dispute", "st_1", "--line", "llama-3.1-8b", "--line", "llama-3.1-8b@2026-09", "--line", "acme/llama:v2@2026-08",
            "--message", "twice what we logged");

        Assert.Equal("st_1", request.StatementId);
        Assert.Equal("twice what we logged", request.Message);
        Assert.Equal(
            [
                new StatementLineRef { Model = "llama-3.1-8b" },
                new StatementLineRef { Model = "llama-3.1-8b", CorrectsPeriod = "2026-09" },
                new StatementLineRef { Model = "acme/llama:v2", CorrectsPeriod = "2026-08" },
            ],
            request.Lines);
    }

    [Fact]
    public void StatementsDispute_WithoutLines_DisputesTheWholeStatement()
    {
        var request = Bind((StatementsDisputeCommand c, ParseResult p) => c.Bind(p), "statements", "dispute", "st_1", "--message", "wrong month");

        Assert.Empty(request.Lines);
        Assert.Equal("wrong month", request.Message);
    }

    [Fact]
    public void DisputesList_Filters()
    {
        var (request, limit, format) = Bind((DisputesListCommand c, ParseResult p) => c.Bind(p),
            "disputes", "list", "--host", "aws", "--statement", "st_1", "--state", "rejected", "--limit", "7", "--format", "json");

        Assert.Equal(new ListDisputesRequest { HostId = "aws", StatementId = "st_1", State = DisputeState.Rejected, PageSize = 7 }, request);
        Assert.Equal(7, limit);
        Assert.Equal(ExportFormat.Json, format);
    }

    [Fact]
    public void DisputesResolve_WithACorrection_SetsThatOutcomeAndTheNote()
    {
        var request = Bind((DisputesResolveCommand c, ParseResult p) => c.Bind(p), "disputes", "resolve", "di_1", "--correction", "co_1", "--note", "refunded");

        Assert.Equal(ResolveDisputeRequest.OutcomeOneofCase.CorrectionId, request.OutcomeCase);
        Assert.Equal(new ResolveDisputeRequest { DisputeId = "di_1", CorrectionId = "co_1", Note = "refunded" }, request);
    }

    [Fact]
    public void DisputesResolve_Rejecting_SetsTheRejectionReason()
    {
        var request = Bind((DisputesResolveCommand c, ParseResult p) => c.Bind(p), "disputes", "resolve", "di_1", "--reject", "matches the gateway's logs");

        Assert.Equal(ResolveDisputeRequest.OutcomeOneofCase.RejectionReason, request.OutcomeCase);
        Assert.Equal(new ResolveDisputeRequest { DisputeId = "di_1", RejectionReason = "matches the gateway's logs" }, request);
    }

    [Theory]
    [InlineData("corrected", UsageView.Corrected)]
    [InlineData("raw", UsageView.Raw)]
    [InlineData("corrections", UsageView.Corrections)]
    [InlineData("RAW", UsageView.Raw)]
    public void Usage_View_IsSent(string word, UsageView expected)
    {
        var query = Bind((UsageCommand c, ParseResult p) => c.Bind(p), "usage", "--from", "2026-10", "--to", "2026-11", "--view", word);

        Assert.Equal(expected, query.Request.View);
    }

    [Fact]
    public void Usage_WithoutView_LeavesItUnspecified_WhichIsCorrected()
    {
        var query = Bind((UsageCommand c, ParseResult p) => c.Bind(p), "usage", "--from", "2026-10", "--to", "2026-11");

        Assert.Equal(UsageView.Unspecified, query.Request.View);
    }

    [Theory]
    [InlineData("corrections pro", "propose")]
    [InlineData("corrections ", "propose", "approve", "decline", "list")]
    [InlineData("disputes ", "list", "resolve")]
    [InlineData("statements ", "acknowledge", "dispute")]
    [InlineData("corrections propose --reason-code ", "refund", "duplicate-report", "missing-usage", "pricing-error", "dispute-resolution", "other")]
    [InlineData("corrections list --state ", "proposed", "approved", "declined")]
    [InlineData("disputes list --state ", "open", "resolved", "rejected")]
    [InlineData("usage --view ", "corrected", "raw", "corrections")]
    public async Task SuggestDirective_CompletesTheNewCommandsAndTheirChoices(string line, params string[] expected)
    {
        var run = await MeteringCli.RunAsync($"[suggest:{line.Length}]", line);

        Assert.True(run.ExitCode == ExitCodes.Ok, run.ToString());
        var suggestions = run.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        foreach (var word in expected)
        {
            Assert.Contains(word, suggestions);
        }
    }

    private static TResult Bind<TCommand, TResult>(Func<TCommand, ParseResult, TResult> bind, params string[] args)
        where TCommand : CliCommand
    {
        var (command, parse) = MeteringCli.Parse<TCommand>(args);
        return bind(command, parse);
    }
}
