using Metering.Domain.Settlement;

namespace Metering.Settlement.Tests.Domain;

public sealed class FinalizeRulesTests
{
    private static readonly YearMonth February = YearMonth.Parse("2025-02");
    private static readonly AgreementTerms TermsWithCard = Terms.RateCard("USD", null, [new RateCardEntry("known", 1m, 0m, 0m)], (0m, 10m));
    private static readonly Agreement InForce = new("agr_1", "acme", YearMonth.Parse("2025-01"), TermsWithCard, DateTime.UnixEpoch, DateTime.UnixEpoch, 7);
    private static readonly DateTime ComputedAt = new(2025, 3, 2, 10, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime AfterFebruary = new(2025, 3, 5, 0, 0, 0, DateTimeKind.Utc);

    [Fact]
    public void ClosedPeriodWithCurrentAgreement_MayBeFinalized()
        => Assert.Null(FinalizeRules.Check(Context(Draft()), AfterFebruary, allowUnpriced: false, expectedComputedAt: ComputedAt));

    [Fact]
    public void PeriodNotEnded_IsRefused()
        => Assert.Contains("has not ended", FinalizeRules.Check(Context(Draft()), new DateTime(2025, 2, 28, 23, 59, 59, DateTimeKind.Utc), false, null), StringComparison.Ordinal);

    [Fact]
    public void UnpricedLines_AreRefusedUnlessAllowed()
    {
        var context = Context(Draft(Terms.Usage("unknown", input: 1)));

        Assert.Contains("unknown", FinalizeRules.Check(context, AfterFebruary, false, null), StringComparison.Ordinal);
        Assert.Null(FinalizeRules.Check(context, AfterFebruary, true, null));
    }

    [Fact]
    public void ExpectedComputedAtMismatch_IsRefused()
        => Assert.Contains("expected_computed_at", FinalizeRules.Check(Context(Draft()), AfterFebruary, false, ComputedAt.AddSeconds(1)), StringComparison.Ordinal);

    [Fact]
    public void AgreementReplacedSinceComputed_IsRefused()
        => Assert.Contains("agreement", FinalizeRules.Check(new FinalizeContext(Draft(), InForce with { Revision = 8 }, 0), AfterFebruary, false, null), StringComparison.Ordinal);

    [Fact]
    public void OtherStatementFinalizedSinceComputed_IsRefused()
        => Assert.Contains("another statement", FinalizeRules.Check(new FinalizeContext(Draft(), InForce, 11), AfterFebruary, false, null), StringComparison.Ordinal);

    private static FinalizeContext Context(Statement statement) => new(statement, InForce, 5);

    private static Statement Draft(params ModelUsage[] usage)
        => StatementComposer.ComposeDraft("st_1", InForce, February, StatementCalculator.ComputePeriod(TermsWithCard, usage), [], ComputedAt) with { ComputedRevision = 10 };
}
