using System.CommandLine;
using Metering.Cli.CommandLine;
using Metering.Cli.Demo;

namespace Metering.Cli.Commands;

/// <summary><c>metering demo [--seconds N]</c>: the <c>make run</c> demo (ADMIN key).</summary>
internal sealed class DemoCommand : CliCommand
{
    private readonly Option<int> _seconds;
    private readonly Option<int> _gateways;
    private readonly Option<int> _flushWait;
    private readonly Option<Uri> _metrics;

    public DemoCommand()
        : base("demo", "stream usage from demo hosts' gateways, correct and dispute, settle the month and print statements (ADMIN key)")
    {
        _seconds = Add(CliOptions.PositiveInt("--seconds", "n", "how long the gateways stream", 20, 3600));
        _gateways = Add(CliOptions.PositiveInt("--gateways", "n", "gateways (producers) per host", 2, 64));
        _flushWait = Add(CliOptions.PositiveInt("--flush-wait", "seconds", "wait for the metering service's flush before settling (its Flush:Interval + 1)", 6, 600));
        _metrics = Add(CliOptions.Single("--metrics", "url", "the metering service's /metrics: end with the records and flush lag it reports, checked against the reporters", ParseMetricsUrl));
        Details = """
            Creates the hosts aws, azure, groq and databricks (reused if they exist), a HOST key per host and agreements
            effective this month (groq's last month), has groq report usage of last month's last half hour, then runs
            --gateways UsageReporters per host that stream usage of llama-3.1-70b, llama-3.1-8b, mixtral-8x7b and
            qwen2.5-72b for --seconds, showing live totals every 2 s (redrawn in place in a terminal, a new table each time
            otherwise). Then it flushes the reporters, checks that GetUsage counts exactly what they had acknowledged,
            waits for the flush to PostgreSQL and settles the month. Corrections and a dispute follow: aws proposes a
            refund correction of this month, which billing approves; groq's statement of last month is finalized, groq
            disputes its line and proposes a correction, and billing resolves the dispute with it. The month is settled
            again and each host's statement printed (aws's line and groq's ADJUSTMENT line name their corrections), with
            the reporters' delivery statistics. With --metrics it ends with what the metering service's
            /metrics counted for the demo hosts in this run (records accepted, duplicate, rejected; the flush lag), checked
            against what the reporters were told. The demo's HOST keys are revoked at the end.
            Exit code 3 when the exactly-once check (or the metrics check) fails.
            """;
        Examples = ["metering demo", "metering demo --seconds 60 --gateways 4", "metering demo --metrics http://127.0.0.1:9091/metrics"];
        Target = ServiceTarget.Both;
    }

    public DemoOptions Bind(ParseResult parse)
        => new(
            TimeSpan.FromSeconds(parse.GetValue(_seconds)),
            parse.GetValue(_gateways),
            TimeSpan.FromSeconds(parse.GetValue(_flushWait)),
            TimeSpan.FromSeconds(2),
            parse.GetValue(_metrics));

    private static Uri ParseMetricsUrl(string option, string text)
        => Uri.TryCreate(text.Trim(), UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
            ? uri
            : throw new CliUsageException($"{option} must be an http:// or https:// URL such as http://127.0.0.1:9091/metrics, not '{text}'");

    public override Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
        => new DemoRunner(context, Bind(parse)).RunAsync(cancellationToken);
}
