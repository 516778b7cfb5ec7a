using Metering.Cli;

// metering: parse, run one command, exit with its code (0 done, 1 refused or failed, 2 bad command line, 3 demo
// mismatch, 130 Ctrl-C). Tables and live progress are drawn for a person only where stdout or stderr is a terminal.
using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

var app = new CliApplication(
    Console.Out,
    Console.Error,
    Environment.GetEnvironmentVariable,
    TimeProvider.System,
    outputIsTerminal: !Console.IsOutputRedirected,
    errorIsTerminal: !Console.IsErrorRedirected);
return await app.RunAsync(args, cancel.Token);
