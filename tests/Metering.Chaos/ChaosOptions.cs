namespace Metering.Chaos;

/// <summary>How the suite runs.</summary>
public sealed class ChaosOptions
{
    /// <summary>Cycles to run; the faults rotate. Defaults to 50.</summary>
    public int Cycles { get; set; } = 50;

    /// <summary>Hosts, each with its own gateway (UsageReporter). Defaults to 3.</summary>
    public int Hosts { get; set; } = 3;

    /// <summary>Records each gateway records per second while the load runs. Defaults to 5,000.</summary>
    public int RecordsPerSecondPerHost { get; set; } = 5000;

    /// <summary>How long PostgreSQL stays down in a StopPostgres cycle. Defaults to 10 s.</summary>
    public TimeSpan PostgresDowntime { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The build configuration whose service binary is run. Defaults to Release.</summary>
    public string Configuration { get; set; } = "Release";

    /// <summary>Random seed of the load. Defaults to 1.</summary>
    public int Seed { get; set; } = 1;

    /// <summary>Where progress lines go.</summary>
    public TextWriter Log { get; set; } = Console.Out;
}
