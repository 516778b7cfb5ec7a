using Metering.Domain.Ingest;
using Xunit;

namespace Metering.Tests.Ingest;

/// <summary>
/// The configurable limits of docs/wire.md are refused at start-up when a batch allowed by them could wrap a 64-bit
/// counter sum (the batch is summed per bucket before Redis checks the 4*10^18 bucket limit).
/// </summary>
public sealed class IngestLimitsTests
{
    [Fact]
    public void Defaults_AreValid() => Assert.Null(new IngestLimits().Validate());

    [Theory]
    [InlineData(10_000, 100_000_000_000_000, true)]
    [InlineData(10_000, 1_000_000_000_000_000, false)]
    [InlineData(1_000_000, 1_000_000_000_000, true)]
    [InlineData(1_000_000, 1_000_000_000_001, false)]
    public void BatchSumLimit_IsEnforcedNamingBothSettings(int maxRecords, long maxCounter, bool valid)
    {
        var error = new IngestLimits { MaxRecordsPerMessage = maxRecords, MaxCounterValue = maxCounter }.Validate();

        if (valid)
        {
            Assert.Null(error);
        }
        else
        {
            Assert.NotNull(error);
            Assert.Contains("Ingest:MaxRecordsPerMessage", error, StringComparison.Ordinal);
            Assert.Contains("Ingest:MaxCounterValue", error, StringComparison.Ordinal);
        }
    }
}
