using System.Globalization;
using Metering.Chaos;

// `make chaos`: the fault-injection suite. Options: --cycles N (50), --hosts N (3), --rate N records/s per host (5000),
// --pg-downtime SECONDS (10), --configuration Release|Debug (Release), --seed N (1).
var options = new ChaosOptions();
for (var i = 0; i < args.Length; i++)
{
    string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--cycles": options.Cycles = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--hosts": options.Hosts = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--rate": options.RecordsPerSecondPerHost = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        case "--pg-downtime": options.PostgresDowntime = TimeSpan.FromSeconds(int.Parse(Next(), CultureInfo.InvariantCulture)); break;
        case "--configuration": options.Configuration = Next(); break;
        case "--seed": options.Seed = int.Parse(Next(), CultureInfo.InvariantCulture); break;
        default:
            Console.Error.WriteLine($"Unknown option {args[i]}. Options: --cycles N --hosts N --rate N --pg-downtime S --configuration C --seed N");
            return 2;
    }
}

var results = await ChaosRunner.RunAsync(options);
return results.All(r => r.Discrepancy == 0 && r.Mismatches.Count == 0) ? 0 : 1;
