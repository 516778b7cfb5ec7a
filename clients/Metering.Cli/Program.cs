using Metering.Cli;

// metering: parse, run one command, exit with its code (0 done, 1 refused or failed, 2 bad command line, 130 Ctrl-C).
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var app = new CliApplication(Console.Out, Console.Error, Environment.GetEnvironmentVariable, TimeProvider.System);
return await app.RunAsync(args, cancel.Token);
