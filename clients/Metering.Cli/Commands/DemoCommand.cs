using Metering.Cli.Demo;
using Metering.Cli.Parsing;

namespace Metering.Cli.Commands;

/// <summary><c>metering demo [--seconds N]</c>: the <c>make run</c> demo (ADMIN key).</summary>
internal sealed class DemoCommand : ICliCommand
{
    public CommandSpec Spec { get; } = new("demo", "stream usage from demo hosts' gateways, then settle the month and print statements (ADMIN key)")
    {
        Description = """
            Creates the hosts aws, azure, groq and databricks (reused if they exist), a HOST key per host and agreements
            effective this month, then runs --gateways UsageReporters per host that stream usage of llama-3.1-70b,
            llama-3.1-8b, mixtral-8x7b and qwen2.5-72b for --seconds, printing live totals every 2 s. Then it flushes the
            reporters, checks that GetUsage counts exactly what they had acknowledged, waits for the flush to PostgreSQL,
            settles the month and prints each host's statement and the reporters' delivery statistics. The demo's HOST
            keys are revoked at the end. Exit code 3 when the exactly-once check fails.
            """,
        Options =
        [
            new("--seconds", "n", "how long the gateways stream; default 20"),
            new("--gateways", "n", "gateways (producers) per host; default 2"),
            new("--flush-wait", "seconds", "wait for the metering service's flush before settling (its Flush:Interval + 1); default 6"),
        ],
        Examples = ["metering demo", "metering demo --seconds 60 --gateways 4"],
        Target = ServiceTarget.Both,
    };

    public static DemoOptions Bind(ParsedCommand args)
        => new(
            TimeSpan.FromSeconds(args.PositiveInt("--seconds", 20, 3600)),
            args.PositiveInt("--gateways", 2, 64),
            TimeSpan.FromSeconds(args.PositiveInt("--flush-wait", 6, 600)),
            TimeSpan.FromSeconds(2));

    public Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken)
        => new DemoRunner(context, Bind(args)).RunAsync(cancellationToken);
}
