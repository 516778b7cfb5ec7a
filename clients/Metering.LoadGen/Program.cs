using System.CommandLine;
using Metering.LoadGen;

// metering-loadgen: parse the options, run the load, print and write the report; the exit code says how it went.
// Ctrl-C cancels the run's token (System.CommandLine), which ends it with ExitCodes.Interrupted.
var commandLine = new LoadGenCommandLine(
    Environment.GetEnvironmentVariable,
    (options, cancellationToken) => new LoadGenRunner(options, TimeProvider.System, Console.Out, Console.Error).RunAsync(cancellationToken));
return await commandLine.InvokeAsync(args, new InvocationConfiguration(), CancellationToken.None);
