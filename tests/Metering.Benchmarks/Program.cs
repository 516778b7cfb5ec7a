using System.Globalization;
using Metering.Benchmarks;

// `make bench`: every benchmark in turn, or the ones named on the command line (transport).
var names = args.Where(a => !a.StartsWith("--", StringComparison.Ordinal)).ToList();
var seconds = args.SkipWhile(a => a != "--seconds").Skip(1).Select(a => int.Parse(a, CultureInfo.InvariantCulture)).FirstOrDefault(10);
var all = names.Count == 0;

if (all || names.Contains("transport"))
{
    await TransportBenchmark.RunAsync(TimeSpan.FromSeconds(seconds));
}
