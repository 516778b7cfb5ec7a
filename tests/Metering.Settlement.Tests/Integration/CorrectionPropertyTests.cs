using System.Globalization;
using System.Text;
using CsCheck;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Metering.Contracts.V1;
using Metering.Settlement.Tests.Infrastructure;
using Metering.Testing;
using Xunit.Abstractions;

namespace Metering.Settlement.Tests.Integration;

/// <summary>
/// A model-based property of usage corrections against the real service and database (CsCheck generates and shrinks
/// the scenarios; a failure prints the scenario and its seed, <c>CsCheck_Seed=... dotnet test</c> replays it). Each
/// scenario has one or two hosts (REPORTED or RATE_CARD, random tiers and minimum) with random February usage, then a
/// random sequence of HOST proposals, BILLING creations, approvals, declines, repeated decisions and late usage, with
/// random signed deltas over the whole month or nested hour ranges (and now and then a range straddling two days),
/// sized from the corrected totals so that some go exactly to zero and some below. The test keeps its own model of
/// counted usage and corrections and checks that:
/// (a) a creation or approval is refused exactly when the model says a corrected total would go below zero
///     (CORRECTED_TOTAL_NEGATIVE naming one of the counters that would) or the range partly overlaps an approved one
///     (RANGE_OVERLAP), and that the corrections stored are exactly the model's;
/// (b) February's statement lines carry counted usage plus approved corrections, priced, tiered and owed as the model
///     computes, with nothing negative, and GetUsage's corrected month and day views (the metering service over the
///     same database) agree;
/// (c) settling again with nothing new gives identical statements;
/// (d) corrections approved after February's last computation (before it is finalized as it was, or once it is
///     FINAL) reach March's statement as ADJUSTMENT lines of exactly the change, naming exactly those corrections,
///     also when March is recomputed after more of them; February's corrected totals stay non-negative.
/// </summary>
public sealed class CorrectionPropertyTests : SettlementTestBase
{
    private static readonly DateTime February = new(2025, 2, 1, 0, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime March = February.AddMonths(1);
    private static readonly string[] Models = ["model-a", "model-b", "model-c"];
    private static readonly string[] CounterFields = ["correction.input_tokens", "correction.output_tokens", "correction.requests", "correction.billed_micros"];
    private static readonly decimal[] TierFrom = [0m, 50m, 400.5m];

    private static int _scenarios;

    private readonly Statistics _statistics = new();

    private readonly ITestOutputHelper _output;

    private string _billingKey = string.Empty;

    private CorrectionService.CorrectionServiceClient _corrections = null!;

    private UsageService.UsageServiceClient _usage = null!;

    public CorrectionPropertyTests(ITestOutputHelper output) => _output = output;

    [Fact]
    public async Task RandomCorrections_AreRefusedExactlyBelowZero_AndSettleAsTheModelSays()
    {
        _billingKey = await Service.CreateKeyAsync("BILLING");
        using var channel = Service.CreateChannel();
        _corrections = new CorrectionService.CorrectionServiceClient(channel);
        await using var metering = await MeteringServiceHost.StartAsync(Service.Postgres, settings: new Dictionary<string, string?> { ["Flush:Enabled"] = "false" });
        using var usageChannel = metering.CreateChannel();
        _usage = new UsageService.UsageServiceClient(usageChannel);

        // CsCheck_Iter / CsCheck_Seed in the environment run more scenarios or replay a failing one.
        var iterations = Environment.GetEnvironmentVariable("CsCheck_Iter") is { Length: > 0 } ? -1 : 25;
        await ScenarioGen.SampleAsync(RunScenarioAsync, _output.WriteLine, iter: iterations, threads: 1, print: Describe);
        _output.WriteLine(_statistics.ToString());

        // The generator is only useful if it reaches every outcome; over 25 scenarios each comes up many times.
        Assert.True(_statistics.Accepted > 0, $"no correction was accepted: {_statistics}");
        Assert.True(_statistics.RefusedNegative > 0, $"no correction was refused below zero: {_statistics}");
        Assert.True(_statistics.RefusedNegativeOnApproval > 0, $"no approval was refused below zero: {_statistics}");
        Assert.True(_statistics.AtZero > 0, $"no corrected total ended exactly at zero: {_statistics}");
        Assert.True(_statistics.Adjustments > 0, $"no ADJUSTMENT line was produced: {_statistics}");
    }

    private async Task RunScenarioAsync(Scenario scenario)
    {
        var world = await SetUpAsync(scenario);
        await RunOpsAsync(world, scenario.Before, phase: 1, "before February is settled");
        await AssertStoredCorrectionsAsync(world);

        // (b) February as the model computes it, (c) reproducible, and GetUsage's corrected view agrees.
        var hostIds = world.HostIds;
        var first = ByHost((await Client.RunAsync("2025-02", hostIds)).Statements);
        foreach (var (hostId, statement) in first)
        {
            AssertFebruaryStatement(world, world.IndexOf(hostId), statement);
        }

        await AssertUsageViewsAsync(world);
        var second = ByHost((await Client.RunAsync("2025-02", hostIds)).Statements);
        Assert.Equal(first, second);
        foreach (var (hostId, statement) in first)
        {
            Assert.Equal(statement, await Client.GetAsync(hostId, "2025-02"));
        }

        // (d) What is approved after February's last computation (some of it before February is finalized as it was)
        // goes on March, a DRAFT, as ADJUSTMENT lines; March recomputed after more changes still carries exactly them.
        world.Settle();
        await RunOpsAsync(world, scenario.Between, phase: 2, "before February is finalized");
        var settled = new Dictionary<string, Statement>(StringComparer.Ordinal);
        foreach (var (hostId, statement) in first)
        {
            settled[hostId] = await Client.FinalizeAsync(statement.StatementId);
            Assert.Equal(StatementStatus.Final, settled[hostId].Status);
            Assert.Equal(statement.Lines, settled[hostId].Lines);
            Assert.Equal((statement.GrossRevenue, statement.AmountOwed), (settled[hostId].GrossRevenue, settled[hostId].AmountOwed));
        }

        Dictionary<string, Statement> march = [];
        foreach (var (ops, name) in new[] { (scenario.After, "before March is settled"), (scenario.Later, "before March is settled again") })
        {
            await RunOpsAsync(world, ops, phase: 2, name);
            await AssertStoredCorrectionsAsync(world);
            march = ByHost((await Client.RunAsync("2025-03", hostIds)).Statements);
            foreach (var (hostId, statement) in march)
            {
                AssertMarchStatement(world, world.IndexOf(hostId), settled[hostId], statement);
            }
        }

        await AssertUsageViewsAsync(world);
        Assert.Equal(march, ByHost((await Client.RunAsync("2025-03", hostIds)).Statements));
        foreach (var (hostId, statement) in settled)
        {
            Assert.Equal(statement, await Client.GetAsync(hostId, "2025-02"));
        }
    }

    private async Task<World> SetUpAsync(Scenario scenario)
    {
        var run = Interlocked.Increment(ref _scenarios);
        var world = new World(scenario.Hosts);
        for (var h = 0; h < scenario.Hosts.Length; h++)
        {
            var spec = scenario.Hosts[h];
            var hostId = string.Create(CultureInfo.InvariantCulture, $"cp-{run}-{h}");
            world.HostIds[h] = hostId;
            world.HostKeys[h] = await Service.CreateHostAsync(hostId);
            var tiers = TierFrom.Select((from, i) => (from.ToString(CultureInfo.InvariantCulture), spec.Percents[i].ToString(CultureInfo.InvariantCulture))).ToArray();
            var minimum = spec.Minimum?.ToString(CultureInfo.InvariantCulture) ?? string.Empty;
            await Client.UpsertAsync(spec.RateCard
                ? Agreements.RateCard(hostId, "2025-01", "EUR", minimum, [("model-a", "0.75", "2.5", "0.1"), ("*", "0.2", "0.8", "0")], tiers)
                : Agreements.Reported(hostId, "2025-01", "USD", minimum, tiers));
            foreach (var row in spec.Usage)
            {
                await AddUsageAsync(world, h, row);
            }
        }

        return world;
    }

    private async Task AddUsageAsync(World world, int host, UsageRow row)
    {
        var hour = February.AddDays(row.Day).AddHours(row.Hour);
        var counters = new Counters(row.Input, row.Output, row.Requests, row.Billed);
        await Service.AddUsageAsync(world.HostIds[host], Models[row.Model], hour, counters.Input, counters.Output, counters.Requests, counters.Billed);
        world.Count(host, Models[row.Model], hour, counters);
    }

    private async Task RunOpsAsync(World world, Op[] ops, int phase, string name)
    {
        for (var i = 0; i < ops.Length; i++)
        {
            try
            {
                await RunOpAsync(world, ops[i], phase);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                throw new InvalidOperationException($"{name}, op {i} ({ops[i]}): {ex.Message}", ex);
            }
        }
    }

    private async Task RunOpAsync(World world, Op op, int phase)
    {
        var host = op.Host;
        switch (op.Kind)
        {
            case OpKind.AddUsage:
                await AddUsageAsync(world, host, op.Usage);
                return;
            case OpKind.HostPropose or OpKind.BillingCreate:
                await ProposeAsync(world, host, Models[op.Model], op.Range, op.Deltas, direct: op.Kind == OpKind.BillingCreate, phase);
                return;
            case OpKind.Race:
            {
                // The host proposes; before billing approves, billing itself takes (as much again) off the same range or
                // the month, both sized from the same corrected totals: the approval is checked again, against that.
                var proposed = await ProposeAsync(world, host, Models[op.Model], op.Range, op.Deltas, direct: false, phase);
                await ProposeAsync(world, host, Models[op.Model], op.Pick % 2 == 0 ? op.Range : new RangeSpec(RangeKind.Month, 0, 0), op.Deltas, direct: true, phase);
                if (proposed is not null)
                {
                    await ApproveAsync(world, proposed, phase);
                }

                return;
            }

            case OpKind.Approve or OpKind.Decline:
            {
                var pending = world.Corrections.Where(c => c.State == CorrectionState.Proposed).ToList();
                if (pending.Count == 0)
                {
                    return;
                }

                var target = pending[op.Pick % pending.Count];
                if (op.Kind == OpKind.Approve)
                {
                    await ApproveAsync(world, target, phase);
                    return;
                }

                var declined = (await _corrections.DeclineCorrectionAsync(new DeclineCorrectionRequest { CorrectionId = target.Id, Reason = "not ours" }, Calls.As(_billingKey))).Correction;
                Assert.Equal(CorrectionState.Declined, declined.State);
                target.State = CorrectionState.Declined;
                return;
            }

            case OpKind.Redecide:
            {
                var decided = world.Corrections.Where(c => c.State != CorrectionState.Proposed).ToList();
                if (decided.Count == 0)
                {
                    return;
                }

                var target = decided[op.Pick % decided.Count];
                var approve = op.Pick % 2 == 0;
                Func<Task<Correction>> call = approve
                    ? async () => (await _corrections.ApproveCorrectionAsync(new ApproveCorrectionRequest { CorrectionId = target.Id }, Calls.As(_billingKey))).Correction
                    : async () => (await _corrections.DeclineCorrectionAsync(new DeclineCorrectionRequest { CorrectionId = target.Id, Reason = "again" }, Calls.As(_billingKey))).Correction;
                if ((target.State == CorrectionState.Approved) == approve)
                {
                    Assert.Equal(target.State, (await call()).State);
                }
                else
                {
                    var ex = await Assert.ThrowsAsync<RpcException>(call);
                    Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
                    Assert.DoesNotContain(Calls.Violations(ex), v => v.Reason == "CORRECTED_TOTAL_NEGATIVE");
                }

                return;
            }

            default:
                throw new InvalidOperationException($"unknown op {op.Kind}");
        }
    }

    /// <summary>
    /// A HOST proposal or a BILLING creation of <paramref name="deltas"/> sized from the corrected total of the range
    /// now; refused or not as the model expects. Returns what was stored, or null.
    /// </summary>
    private async Task<Tracked?> ProposeAsync(World world, int host, string model, RangeSpec range, DeltaSpec[] deltas, bool direct, int phase)
    {
        var (from, to) = range.Hours;
        var total = world.CorrectedTotal(host, model, from, to);
        var delta = new Counters(deltas[0].Resolve(total.Input), deltas[1].Resolve(total.Output), deltas[2].Resolve(total.Requests), deltas[3].Resolve(total.Billed));
        if (delta.IsZero)
        {
            delta = delta with { Requests = 1 };
        }

        var input = new CorrectionInput
        {
            HostId = world.HostIds[host],
            Model = model,
            Period = "2025-02",
            InputTokens = delta.Input,
            OutputTokens = delta.Output,
            Requests = delta.Requests,
            BilledMicros = delta.Billed,
            ReasonCode = CorrectionReason.Other,
            Reason = "property test",
        };
        if (range.Kind != RangeKind.Month)
        {
            input.FromHour = Timestamp.FromDateTime(from);
            input.ToHour = Timestamp.FromDateTime(to);
        }

        Correction? stored;
        try
        {
            stored = await ExpectOutcomeAsync(
                async () => (await _corrections.ProposeCorrectionAsync(new ProposeCorrectionRequest { Correction = input }, Calls.As(direct ? _billingKey : world.HostKeys[host]))).Correction,
                world.Expect(host, model, from, to, delta, selfId: null),
                onApproval: false);
            if (stored is null)
            {
                return null;
            }

            Assert.Equal(direct ? CorrectionState.Approved : CorrectionState.Proposed, stored.State);
            Assert.Equal(direct ? "BILLING" : "HOST", stored.ProposedByRole);
            Assert.Equal((from, to), (stored.Correction_.FromHour.ToDateTime(), stored.Correction_.ToHour.ToDateTime()));
            Assert.Equal(delta, new Counters(stored.Correction_.InputTokens, stored.Correction_.OutputTokens, stored.Correction_.Requests, stored.Correction_.BilledMicros));
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException($"delta {delta} (corrected total of the range before: {total}): {ex.Message}", ex);
        }

        var tracked = new Tracked(stored.CorrectionId, host, model, from, to, delta) { State = stored.State, Phase = direct ? phase : 0 };
        world.Corrections.Add(tracked);
        world.NoteAtZero(_statistics, host, model);
        return tracked;
    }

    /// <summary>BILLING approves the PROPOSED <paramref name="target"/>; refused or not as the model expects.</summary>
    private async Task ApproveAsync(World world, Tracked target, int phase)
    {
        Correction? approved;
        try
        {
            approved = await ExpectOutcomeAsync(
                async () => (await _corrections.ApproveCorrectionAsync(new ApproveCorrectionRequest { CorrectionId = target.Id }, Calls.As(_billingKey))).Correction,
                world.Expect(target.Host, target.Model, target.From, target.To, target.Delta, target.Id),
                onApproval: true);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            throw new InvalidOperationException($"approving {target}: {ex.Message}", ex);
        }

        if (approved is not null)
        {
            Assert.Equal(CorrectionState.Approved, approved.State);
            target.State = CorrectionState.Approved;
            target.Phase = phase;
            world.NoteAtZero(_statistics, target.Host, target.Model);
        }
    }

    /// <summary>Runs a creation or approval the model expects to pass or to be refused as <paramref name="expected"/> says.</summary>
    private async Task<Correction?> ExpectOutcomeAsync(Func<Task<Correction>> call, Outcome expected, bool onApproval)
    {
        if (expected.Ok)
        {
            _statistics.Accepted++;
            return await call();
        }

        var ex = await Assert.ThrowsAsync<RpcException>(call);
        Assert.Equal(StatusCode.FailedPrecondition, ex.StatusCode);
        var violation = Assert.Single(Calls.Violations(ex));
        if (expected.Overlap)
        {
            _statistics.RefusedOverlap++;
            Assert.Equal(("correction.from_hour", "RANGE_OVERLAP"), (violation.Field, violation.Reason));
        }
        else
        {
            _statistics.RefusedNegative++;
            if (onApproval)
            {
                _statistics.RefusedNegativeOnApproval++;
            }

            Assert.Equal("CORRECTED_TOTAL_NEGATIVE", violation.Reason);
            Assert.Contains(violation.Field, expected.NegativeFields);
        }

        return null;
    }

    /// <summary>(a) What is stored is exactly the model's corrections, states and deltas: no refusal left a row.</summary>
    private async Task AssertStoredCorrectionsAsync(World world)
    {
        for (var h = 0; h < world.HostIds.Length; h++)
        {
            var listed = await _corrections.ListCorrectionsAsync(new ListCorrectionsRequest { HostId = world.HostIds[h], PageSize = 1000 }, Calls.As(_billingKey));
            Assert.Empty(listed.NextPageToken);
            var expected = world.Corrections.Where(c => c.Host == h)
                .Select(c => (c.Id, c.Model, c.From, c.To, c.Delta, c.State))
                .OrderBy(c => c.Id, StringComparer.Ordinal);
            var actual = listed.Corrections
                .Select(c => (c.CorrectionId, c.Correction_.Model, c.Correction_.FromHour.ToDateTime(), c.Correction_.ToHour.ToDateTime(),
                    new Counters(c.Correction_.InputTokens, c.Correction_.OutputTokens, c.Correction_.Requests, c.Correction_.BilledMicros), c.State))
                .OrderBy(c => c.CorrectionId, StringComparer.Ordinal);
            Assert.Equal(expected, actual);
        }
    }

    /// <summary>(b) February's DRAFT: each model's counted usage plus its approved corrections, priced and owed by the model.</summary>
    private static void AssertFebruaryStatement(World world, int host, Statement statement)
    {
        var spec = world.Specs[host];
        var expected = world.MonthTotals(host);
        Assert.Equal(StatementStatus.Draft, statement.Status);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), statement.Lines.Select(l => l.Model));
        foreach (var line in statement.Lines)
        {
            Assert.Equal((StatementLineKind.Usage, string.Empty), (line.Kind, line.CorrectsPeriod));
            var counters = Counters.Of(line);
            Assert.Equal(expected[line.Model], counters);
            Assert.False(counters.AnyNegative, $"negative line {line}");
            Assert.Equal(LineGross(spec, line.Model, counters), Parse(line.GrossRevenue));
            Assert.Equal(world.ApprovedIds(host, line.Model, phase: null), line.CorrectionIds);
        }

        var gross = Round6(statement.Lines.Sum(l => Parse(l.GrossRevenue)));
        var (share, owed, minimumApplied) = Owe(spec, gross);
        Assert.Equal(gross, Parse(statement.GrossRevenue));
        Assert.Equal((share, owed, minimumApplied), (Parse(statement.ShareAmount), Parse(statement.PeriodAmountOwed), statement.MinimumApplied));
        Assert.Empty(statement.Adjustments);
        Assert.Equal(owed, Parse(statement.AmountOwed));
        Assert.True(gross >= 0m && share >= 0m && owed >= 0m, $"negative totals {statement}");
    }

    /// <summary>
    /// (d) March's statement: no usage of its own, and for each model of February whose corrected usage changed since
    /// February was last computed an ADJUSTMENT line of exactly the change, naming the corrections approved since;
    /// February settled plus its adjustment (its corrected totals) is never negative. March's own amount owed may be
    /// negative: an adjustment that takes money back is a credit.
    /// </summary>
    private void AssertMarchStatement(World world, int host, Statement february, Statement march)
    {
        var spec = world.Specs[host];
        var now = world.MonthTotals(host);
        var then = world.SettledTotals[host];
        var changed = now.Keys.Union(then.Keys).Order(StringComparer.Ordinal)
            .Select(m => (Model: m, Delta: now.GetValueOrDefault(m) - then.GetValueOrDefault(m)))
            .Where(m => !m.Delta.IsZero)
            .ToList();
        Assert.Equal(StatementStatus.Draft, march.Status);
        Assert.Equal(changed.Select(c => c.Model), march.Lines.Select(l => l.Model));
        foreach (var line in march.Lines)
        {
            _statistics.Adjustments++;
            Assert.Equal((StatementLineKind.Adjustment, "2025-02"), (line.Kind, line.CorrectsPeriod));
            var delta = changed.Single(c => c.Model == line.Model).Delta;
            Assert.Equal(delta, Counters.Of(line));
            var settledLine = february.Lines.SingleOrDefault(l => l.Model == line.Model);
            var corrected = (settledLine is null ? default : Counters.Of(settledLine)) + Counters.Of(line);
            Assert.Equal(now[line.Model], corrected);
            Assert.False(corrected.AnyNegative, $"February's corrected {line.Model} is negative: {corrected}");
            Assert.Equal(Round6(LineGross(spec, line.Model, now[line.Model]) - LineGross(spec, line.Model, then.GetValueOrDefault(line.Model))), Parse(line.GrossRevenue));
            Assert.Equal(world.ApprovedIds(host, line.Model, phase: 2), line.CorrectionIds);
        }

        var own = Owe(spec, 0m);
        Assert.Equal(0m, Parse(march.GrossRevenue));
        Assert.Equal(own.Owed, Parse(march.PeriodAmountOwed));
        var recomputedGross = Round6(now.Sum(m => LineGross(spec, m.Key, m.Value)));
        var recomputed = Owe(spec, recomputedGross);
        Assert.True(recomputedGross >= 0m && recomputed.Share >= 0m && recomputed.Owed >= 0m, $"February's corrected totals are negative: {recomputedGross}, {recomputed}");
        var adjustmentOwed = 0m;
        if (changed.Count == 0 && recomputedGross == Parse(february.GrossRevenue) && recomputed.Owed == Parse(february.AmountOwed))
        {
            Assert.Empty(march.Adjustments);
        }
        else
        {
            var adjustment = Assert.Single(march.Adjustments);
            Assert.Equal(("2025-02", february.StatementId), (adjustment.CorrectsPeriod, adjustment.CorrectedStatementId));
            Assert.Equal(Round6(recomputedGross - Parse(february.GrossRevenue)), Parse(adjustment.GrossRevenue));
            Assert.Equal(Round6(recomputed.Share - Parse(february.ShareAmount)), Parse(adjustment.ShareAmount));
            adjustmentOwed = Round2(recomputed.Owed - Parse(february.AmountOwed));
            Assert.Equal(adjustmentOwed, Parse(adjustment.AmountOwed));
            Assert.True(Parse(february.GrossRevenue) + Parse(adjustment.GrossRevenue) >= 0m && Parse(february.AmountOwed) + Parse(adjustment.AmountOwed) >= 0m);
        }

        Assert.Equal(Round2(own.Owed + adjustmentOwed), Parse(march.AmountOwed));
    }

    /// <summary>(b) GetUsage's corrected view by host and model, per month and per day, is the model's.</summary>
    private async Task AssertUsageViewsAsync(World world)
    {
        foreach (var granularity in new[] { Granularity.Month, Granularity.Day })
        {
            var request = new GetUsageRequest
            {
                StartTime = Timestamp.FromDateTime(February),
                EndTime = Timestamp.FromDateTime(March),
                HostIds = { world.HostIds },
                GroupBy = { UsageGroupBy.Host, UsageGroupBy.Model },
                Granularity = granularity,
                PageSize = 10_000,
                View = UsageView.Corrected,
            };
            var response = await _usage.GetUsageAsync(request, Calls.As(MeteringServiceHost.AdminKey));
            Assert.Empty(response.NextPageToken);
            var actual = response.Rows.ToDictionary(r => (r.HostId, r.Model, r.BucketStart.ToDateTime()), r => new Counters(r.InputTokens, r.OutputTokens, r.Requests, r.BilledMicros));
            var expected = world.Buckets(granularity == Granularity.Day);
            foreach (var (key, value) in actual)
            {
                Assert.False(value.AnyNegative, $"negative corrected usage {key}: {value}");
                Assert.Equal((key, expected.GetValueOrDefault(key)), (key, value));
            }

            foreach (var (key, value) in expected.Where(e => !e.Value.IsZero))
            {
                Assert.Equal((key, value), (key, actual.GetValueOrDefault(key)));
            }
        }
    }

    private static Dictionary<string, Statement> ByHost(IEnumerable<Statement> statements) => statements.ToDictionary(s => s.HostId, StringComparer.Ordinal);

    /// <summary>A line's gross revenue: REPORTED is billed; RATE_CARD prices tokens and requests (model-a, else the wildcard).</summary>
    private static decimal LineGross(HostSpec spec, string model, Counters usage)
    {
        if (!spec.RateCard)
        {
            return Round6(usage.Billed / 1_000_000m);
        }

        var (input, output, requests) = model == "model-a" ? (0.75m, 2.5m, 0.1m) : (0.2m, 0.8m, 0m);
        return Round6((usage.Input / 1_000_000m * input) + (usage.Output / 1_000_000m * output) + (usage.Requests / 1_000m * requests));
    }

    /// <summary>The marginal share over the tiers and the amount owed (the minimum when it is more), as docs/architecture.md says.</summary>
    private static (decimal Share, decimal Owed, bool MinimumApplied) Owe(HostSpec spec, decimal gross)
    {
        var share = 0m;
        for (var i = 0; i < TierFrom.Length && gross > TierFrom[i]; i++)
        {
            var top = i + 1 < TierFrom.Length && TierFrom[i + 1] < gross ? TierFrom[i + 1] : gross;
            share += Round6(Round6(top - TierFrom[i]) * spec.Percents[i] / 100m);
        }

        share = Round6(share);
        var minimumApplied = spec.Minimum is { } minimum && minimum > share;
        return (share, Round2(minimumApplied ? spec.Minimum!.Value : share), minimumApplied);
    }

    private static decimal Round6(decimal amount) => Math.Round(amount, 6, MidpointRounding.ToEven);

    private static decimal Round2(decimal amount) => Math.Round(amount, 2, MidpointRounding.ToEven);

    private static decimal Parse(string amount) => decimal.Parse(amount, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture);

    // ---- generators ----

    private static readonly Gen<long> Small = Gen.Long[1, 1_000];

    private static readonly Gen<UsageRow> UsageRowGen = Gen.Select(
        Gen.Frequency((4, Gen.Const(0)), (4, Gen.Const(1)), (1, Gen.Const(2))),
        Gen.Frequency((6, Gen.Int[0, 3].Select(d => (d, -1))), (1, Gen.Int[0, 27].Select(d => (d, 0)))),
        Gen.Int[0, 11],
        Gen.Frequency((1, Gen.Const(0L)), (4, Gen.Long[1, 20_000_000])),
        Gen.Frequency((1, Gen.Const(0L)), (4, Gen.Long[1, 5_000_000])),
        Gen.Long[1, 5_000],
        Gen.Frequency((1, Gen.Const(0L)), (4, Gen.Long[1, 200_000_000])),
        (model, day, hour, input, output, requests, billed) => new UsageRow(model, day.Item1, day.Item2 < 0 ? hour : hour + 12, input, output, requests, billed));

    private static readonly Gen<RangeSpec> RangeGen = Gen.Frequency(
        (3, Gen.Const(new RangeSpec(RangeKind.Month, 0, 0))),
        (1, Gen.Const(new RangeSpec(RangeKind.MonthExplicit, 0, 0))),
        (2, Gen.Int[0, 1].Select(i => new RangeSpec(RangeKind.TwoDays, 2 * i, 0))),
        (3, Gen.Int[0, 3].Select(d => new RangeSpec(RangeKind.Day, d, 0))),
        (3, Gen.Select(Gen.Int[0, 3], Gen.Frequency((4, Gen.Int[0, 1]), (1, Gen.Int[2, 3])), (d, q) => new RangeSpec(RangeKind.Quarter, d, q))),
        (4, Gen.Select(Gen.Int[0, 3], Gen.Frequency((4, Gen.Int[0, 11]), (1, Gen.Int[12, 23])), (d, h) => new RangeSpec(RangeKind.Hour, d, h))),
        (2, Gen.Int[0, 2].Select(d => new RangeSpec(RangeKind.Straddle, d, 0))));

    private static readonly Gen<DeltaSpec> DeltaGen = Gen.Frequency(
        (6, Gen.Const(new DeltaSpec(DeltaKind.Zero, 0, 0))),
        (1, Small.Select(a => new DeltaSpec(DeltaKind.Add, 0, a * 1_000))),
        (4, Gen.Int[-1_100, 300].Select(p => new DeltaSpec(DeltaKind.Fraction, p, 0))),
        (1, Gen.Const(new DeltaSpec(DeltaKind.ToZero, 0, 0))),
        (1, Gen.Frequency((2, Gen.Const(1L)), (1, Small)).Select(a => new DeltaSpec(DeltaKind.BelowZero, 0, a))));

    private static readonly Gen<Op> OpGen = Gen.Select(
        Gen.Frequency(
            (5, Gen.Const(OpKind.HostPropose)),
            (4, Gen.Const(OpKind.BillingCreate)),
            (4, Gen.Const(OpKind.Approve)),
            (1, Gen.Const(OpKind.Decline)),
            (1, Gen.Const(OpKind.Redecide)),
            (2, Gen.Const(OpKind.Race)),
            (1, Gen.Const(OpKind.AddUsage))),
        Gen.Int[0, 1],
        Gen.Frequency((4, Gen.Const(0)), (4, Gen.Const(1)), (1, Gen.Const(2))),
        RangeGen,
        DeltaGen.Array[4],
        Gen.Int[0, 1_000],
        UsageRowGen,
        (kind, host, model, range, deltas, pick, usage) => new Op(kind, host, model, range, deltas, pick, usage));

    private static readonly Gen<HostSpec> HostGen = Gen.Select(
        Gen.Bool,
        Gen.Int[1, 30].Array[3],
        Gen.Frequency((2, Gen.Const((int?)null)), (1, Gen.Int[0, 40].Select(m => (int?)m))),
        UsageRowGen.Array[1, 12],
        (rateCard, percents, minimum, usage) => new HostSpec(rateCard, percents, minimum, usage));

    private static readonly Gen<Scenario> ScenarioGen = Gen.Select(
        HostGen.Array[1, 2],
        OpGen.Array[3, 16],
        OpGen.Array[0, 3],
        OpGen.Array[0, 8],
        OpGen.Array[0, 4],
        (hosts, before, between, after, later) =>
        {
            Op[] OfHosts(Op[] ops) => [.. ops.Select(o => o with { Host = o.Host % hosts.Length })];
            return new Scenario(hosts, OfHosts(before), OfHosts(between), OfHosts(after), OfHosts(later));
        });

    private static string Describe(Scenario scenario)
    {
        var text = new StringBuilder();
        for (var h = 0; h < scenario.Hosts.Length; h++)
        {
            var spec = scenario.Hosts[h];
            text.Append(CultureInfo.InvariantCulture, $"host {h}: {(spec.RateCard ? "RATE_CARD" : "REPORTED")} tiers {string.Join("/", spec.Percents)} % minimum {spec.Minimum?.ToString(CultureInfo.InvariantCulture) ?? "-"}; usage:");
            foreach (var row in spec.Usage)
            {
                text.Append("\n    ").Append(row);
            }

            text.Append('\n');
        }

        foreach (var (name, ops) in new[]
        {
            ("before February is settled", scenario.Before),
            ("after February is settled, before it is finalized", scenario.Between),
            ("after February is FINAL, before March is settled", scenario.After),
            ("before March is settled again", scenario.Later),
        })
        {
            text.Append(name).Append(':');
            foreach (var op in ops)
            {
                text.Append("\n    ").Append(op);
            }

            text.Append('\n');
        }

        return text.ToString();
    }

    // ---- the scenario ----

    private enum OpKind
    {
        HostPropose,
        BillingCreate,
        Approve,
        Decline,
        Redecide,
        Race,
        AddUsage,
    }

    private enum RangeKind
    {
        Month,
        MonthExplicit,
        TwoDays,
        Day,
        Quarter,
        Hour,
        Straddle,
    }

    private enum DeltaKind
    {
        Zero,
        Add,
        Fraction,
        ToZero,
        BelowZero,
    }

    private sealed record Scenario(HostSpec[] Hosts, Op[] Before, Op[] Between, Op[] After, Op[] Later);

    private sealed record HostSpec(bool RateCard, int[] Percents, int? Minimum, UsageRow[] Usage);

    private sealed record UsageRow(int Model, int Day, int Hour, long Input, long Output, long Requests, long Billed)
    {
        public override string ToString()
            => string.Create(CultureInfo.InvariantCulture, $"{Models[Model]} Feb {Day + 1} {Hour:00}:00 in {Input} out {Output} requests {Requests} billed {Billed}");
    }

    /// <summary>
    /// Hours of February: the whole month (unset or set explicitly), two-day blocks, days, six-hour blocks and hours of
    /// the first four days, nested or disjoint; a straddle (03:00 to 03:00 the next day) partly overlaps the days and six-hour blocks it crosses.
    /// </summary>
    private sealed record RangeSpec(RangeKind Kind, int Day, int Sub)
    {
        public (DateTime From, DateTime To) Hours => Kind switch
        {
            RangeKind.Month or RangeKind.MonthExplicit => (February, March),
            RangeKind.TwoDays => (February.AddDays(Day), February.AddDays(Day + 2)),
            RangeKind.Day => (February.AddDays(Day), February.AddDays(Day + 1)),
            RangeKind.Quarter => (February.AddDays(Day).AddHours(6 * Sub), February.AddDays(Day).AddHours((6 * Sub) + 6)),
            RangeKind.Hour => (February.AddDays(Day).AddHours(Sub), February.AddDays(Day).AddHours(Sub + 1)),
            RangeKind.Straddle => (February.AddDays(Day).AddHours(3), February.AddDays(Day + 1).AddHours(3)),
            _ => throw new InvalidOperationException($"unknown range {Kind}"),
        };

        public override string ToString()
            => Kind == RangeKind.Month ? "month (unset)" : string.Create(CultureInfo.InvariantCulture, $"[{Hours.From:MM-dd HH}:00, {Hours.To:MM-dd HH}:00)");
    }

    /// <summary>How one counter's delta is sized from the corrected total of the range at the time of the proposal.</summary>
    private sealed record DeltaSpec(DeltaKind Kind, int Permille, long Amount)
    {
        public long Resolve(long total) => Kind switch
        {
            DeltaKind.Zero => 0,
            DeltaKind.Add => Amount,
            DeltaKind.Fraction => total * Permille / 1_000,
            DeltaKind.ToZero => -total,
            DeltaKind.BelowZero => -total - Amount,
            _ => throw new InvalidOperationException($"unknown delta {Kind}"),
        };

        public override string ToString() => Kind switch
        {
            DeltaKind.Zero => "0",
            DeltaKind.Add => string.Create(CultureInfo.InvariantCulture, $"+{Amount}"),
            DeltaKind.Fraction => string.Create(CultureInfo.InvariantCulture, $"{Permille / 10m}%"),
            DeltaKind.ToZero => "to zero",
            _ => string.Create(CultureInfo.InvariantCulture, $"{Amount} below zero"),
        };
    }

    private sealed record Op(OpKind Kind, int Host, int Model, RangeSpec Range, DeltaSpec[] Deltas, int Pick, UsageRow Usage)
    {
        public override string ToString() => Kind switch
        {
            OpKind.HostPropose or OpKind.BillingCreate or OpKind.Race => string.Create(CultureInfo.InvariantCulture, $"{Kind}{(Kind == OpKind.Race ? (Pick % 2 == 0 ? " (same range)" : " (billing: month)") : "")} host {Host} {Models[Model]} {Range} in {Deltas[0]} out {Deltas[1]} requests {Deltas[2]} billed {Deltas[3]}"),
            OpKind.AddUsage => string.Create(CultureInfo.InvariantCulture, $"AddUsage host {Host} {Usage}"),
            _ => string.Create(CultureInfo.InvariantCulture, $"{Kind} pick {Pick}"),
        };
    }

    // ---- the model ----

    private readonly record struct Counters(long Input, long Output, long Requests, long Billed)
    {
        public bool IsZero => this == default;

        public bool AnyNegative => Input < 0 || Output < 0 || Requests < 0 || Billed < 0;

        public IEnumerable<long> Values => [Input, Output, Requests, Billed];

        public static Counters Of(StatementLine line) => new(line.InputTokens, line.OutputTokens, line.Requests, line.BilledMicros);

        public static Counters operator +(Counters a, Counters b) => new(a.Input + b.Input, a.Output + b.Output, a.Requests + b.Requests, a.Billed + b.Billed);

        public static Counters operator -(Counters a, Counters b) => new(a.Input - b.Input, a.Output - b.Output, a.Requests - b.Requests, a.Billed - b.Billed);

        public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"(in {Input}, out {Output}, requests {Requests}, billed {Billed})");
    }

    private sealed record Tracked(string Id, int Host, string Model, DateTime From, DateTime To, Counters Delta)
    {
        public CorrectionState State { get; set; }

        /// <summary>1 when approved before February was last computed, 2 after; 0 while not approved.</summary>
        public int Phase { get; set; }

        public bool Inside(DateTime from, DateTime to) => from <= From && To <= to;
    }

    private sealed record Outcome(bool Ok, bool Overlap, IReadOnlySet<string> NegativeFields);

    private sealed class World(HostSpec[] specs)
    {
        private readonly Dictionary<(int Host, string Model, DateTime Hour), Counters> _counted = [];

        public HostSpec[] Specs { get; } = specs;

        public string[] HostIds { get; } = new string[specs.Length];

        public string[] HostKeys { get; } = new string[specs.Length];

        public List<Tracked> Corrections { get; } = [];

        /// <summary>Per host, each model's corrected February totals when February was last computed (as it is finalized).</summary>
        public List<Dictionary<string, Counters>> SettledTotals { get; } = [];

        public int IndexOf(string hostId) => Array.IndexOf(HostIds, hostId);

        public void Count(int host, string model, DateTime hour, Counters counters)
            => _counted[(host, model, hour)] = _counted.GetValueOrDefault((host, model, hour)) + counters;

        public void Settle()
        {
            for (var h = 0; h < HostIds.Length; h++)
            {
                SettledTotals.Add(MonthTotals(h));
            }
        }

        public IEnumerable<Tracked> Approved(int host, string model)
            => Corrections.Where(c => c.Host == host && c.Model == model && c.State == CorrectionState.Approved);

        /// <summary>Counted usage of [from, to) plus the approved corrections inside it.</summary>
        public Counters CorrectedTotal(int host, string model, DateTime from, DateTime to)
            => Counted(host, model, from, to) + Approved(host, model).Where(c => c.Inside(from, to)).Aggregate(default(Counters), (sum, c) => sum + c.Delta);

        /// <summary>
        /// Whether making (host, model, [from, to), delta) APPROVED is allowed: its range is nested in or disjoint from
        /// every approved one, and afterwards no approved range, nor the month, has a corrected total below zero. The
        /// fields are every counter that would go below zero somewhere.
        /// </summary>
        public Outcome Expect(int host, string model, DateTime from, DateTime to, Counters delta, string? selfId)
        {
            var approved = Approved(host, model).Where(c => c.Id != selfId).ToList();
            if (approved.Any(c => c.From < to && from < c.To && !c.Inside(from, to) && !(c.From <= from && to <= c.To)))
            {
                return new Outcome(false, true, new HashSet<string>());
            }

            var after = approved.Select(c => (c.From, c.To, c.Delta)).Append((From: from, To: to, Delta: delta)).ToList();
            var negative = new HashSet<string>(StringComparer.Ordinal);
            foreach (var (f, t) in after.Select(c => (c.From, c.To)).Append((February, March)).Distinct())
            {
                var total = Counted(host, model, f, t) + after.Where(c => f <= c.From && c.To <= t).Aggregate(default(Counters), (sum, c) => sum + c.Delta);
                foreach (var (value, field) in total.Values.Zip(CounterFields))
                {
                    if (value < 0)
                    {
                        negative.Add(field);
                    }
                }
            }

            return new Outcome(negative.Count == 0, false, negative);
        }

        /// <summary>Counts a corrected total of the month, or of one of the correction's ranges, at exactly zero.</summary>
        public void NoteAtZero(Statistics statistics, int host, string model)
        {
            if (Approved(host, model).Select(c => CorrectedTotal(host, model, c.From, c.To)).Any(t => t.Values.Any(v => v == 0) && t.Values.Any(v => v > 0)))
            {
                statistics.AtZero++;
            }
        }

        /// <summary>Per model with usage or approved corrections: its counted February usage plus the approved corrections.</summary>
        public Dictionary<string, Counters> MonthTotals(int host)
        {
            var models = _counted.Keys.Where(k => k.Host == host).Select(k => k.Model)
                .Union(Corrections.Where(c => c.Host == host && c.State == CorrectionState.Approved).Select(c => c.Model));
            return models.ToDictionary(m => m, m => CorrectedTotal(host, m, February, March), StringComparer.Ordinal);
        }

        /// <summary>Approved corrections of the host and model (of one phase, or all), ordered by id as lines list them.</summary>
        public IEnumerable<string> ApprovedIds(int host, string model, int? phase)
            => Approved(host, model).Where(c => phase is null || c.Phase == phase).Select(c => c.Id).Order(StringComparer.Ordinal);

        /// <summary>GetUsage's corrected rows by host and model: counted usage per bucket plus the corrections lying inside it.</summary>
        public Dictionary<(string Host, string Model, DateTime Bucket), Counters> Buckets(bool days)
        {
            var result = new Dictionary<(string, string, DateTime), Counters>();
            foreach (var ((host, model, hour), counters) in _counted)
            {
                var bucket = days ? hour.Date : February;
                result[(HostIds[host], model, bucket)] = result.GetValueOrDefault((HostIds[host], model, bucket)) + counters;
            }

            foreach (var correction in Corrections.Where(c => c.State == CorrectionState.Approved))
            {
                var bucket = days ? correction.From.Date : February;
                if (correction.Inside(bucket, days ? bucket.AddDays(1) : March))
                {
                    var key = (HostIds[correction.Host], correction.Model, bucket);
                    result[key] = result.GetValueOrDefault(key) + correction.Delta;
                }
            }

            return result;
        }

        private Counters Counted(int host, string model, DateTime from, DateTime to)
            => _counted.Where(u => u.Key.Host == host && u.Key.Model == model && from <= u.Key.Hour && u.Key.Hour < to).Aggregate(default(Counters), (sum, u) => sum + u.Value);
    }

    private sealed class Statistics
    {
        public int Accepted { get; set; }

        public int RefusedNegative { get; set; }

        public int RefusedNegativeOnApproval { get; set; }

        public int RefusedOverlap { get; set; }

        public int AtZero { get; set; }

        public int Adjustments { get; set; }

        public override string ToString()
            => string.Create(CultureInfo.InvariantCulture, $"accepted {Accepted}, refused below zero {RefusedNegative} ({RefusedNegativeOnApproval} on approval), refused overlapping {RefusedOverlap}, at zero {AtZero}, adjustment lines {Adjustments}");
    }
}
