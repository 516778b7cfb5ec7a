using Metering.Cli.Rendering;

namespace Metering.Cli.Tests;

/// <summary>The statement a person reads, compared with golden text.</summary>
public sealed class StatementRendererTests
{
    [Fact]
    public void RateCardStatement_RendersLinesTiersMinimumAdjustmentsAndTotal()
    {
        Assert.Equal(RateCardGolden, Render(Statements.RateCard()));
    }

    [Fact]
    public void ReportedStatementWithoutUsage_ShowsAppliedMinimum()
    {
        Assert.Equal(ReportedGolden, Render(Statements.ReportedMinimum()));
    }

    private static string Render(Contracts.V1.Statement statement)
    {
        using var writer = new StringWriter { NewLine = "\n" };
        StatementRenderer.Write(new ConsoleView(writer, isTerminal: false), statement);
        return writer.ToString();
    }

    private const string RateCardGolden =
        """
        Statement st_0001 [DRAFT]
        Host              aws
        Period            2026-10 (calendar month, UTC)
        Agreement         agr_0001 (rate card, USD)
        Computed          2026-11-02 03:04:05 UTC

        Usage in 2026-10
          Model               Input tokens    Output tokens   Requests  Priced by              Gross revenue
          -------------  -----------------  ---------------  ---------  ------------------  ----------------
          llama-3.1-70b  1,000,000,000,000  420,000,000,000  3,000,000  rate llama-3.1-70b  1,250,000.500000
          qwen2.5-72b                5,000              700          9  UNPRICED                           -
          -------------  -----------------  ---------------  ---------  ------------------  ----------------
          Total          1,000,000,005,000  420,000,000,700  3,000,009                      1,250,000.500000

        Revenue share (marginal tiers on gross revenue)
          Band                 Share   Revenue in band    Share amount
          -------------------  -----  ----------------  --------------
          0 to 1,000,000         10%  1,000,000.000000  100,000.000000
          1,000,000 and above    15%    250,000.500000   37,500.075000
          -------------------  -----  ----------------  --------------
          Share amount                1,250,000.500000  137,500.075000

        Minimum payment   500 per period: not applied (the share amount is higher)
        Owed for 2026-10  USD 137,500.08

        Adjustments: late usage of finalized periods (recomputed now, minus what was settled)
          Period   Model         Input tokens  Output tokens  Requests  Priced by  Gross revenue
          -------  ------------  ------------  -------------  --------  ---------  -------------
          2026-09  llama-3.1-8b   +12,000,000         -1,000       +40  rate *        +12.000000

          Period   Final statement  Gross revenue  Share amount   Owed
          -------  ---------------  -------------  ------------  -----
          2026-09  st_0000             +12.000000     +1.200000  +1.20

        TOTAL OWED        USD 137,501.28

        Note: UNPRICED models have no entry in the agreement's rate card; their usage adds nothing to gross
        revenue. Add a rate ('metering agreements set ... --rate "model=in,out,req"') and settle again.

        """;

    private const string ReportedGolden =
        """
        Statement st_0002 [FINAL]
        Host              groq
        Period            2026-10 (calendar month, UTC)
        Agreement         agr_0002 (reported revenue, EUR)
        Computed          2026-11-03 00:00:00 UTC
        Finalized         2026-11-04 12:00:00 UTC

        Usage in 2026-10
          (no usage in this period; gross revenue 0.000000)

        Revenue share (marginal tiers on gross revenue)
          (no revenue in any tier; share amount 0.000000)

        Minimum payment   25 per period: APPLIED (the share amount 0.000000 is below it)
        Owed for 2026-10  EUR 25.00

        TOTAL OWED        EUR 25.00

        """;
}
