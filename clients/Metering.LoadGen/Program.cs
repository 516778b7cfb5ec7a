using Metering.LoadGen;

// metering-loadgen: parse the options, run the load, print and write the report; the exit code says how it went.
if (!LoadGenOptions.TryParse(args, out var options, out var error))
{
    Console.Error.WriteLine(error);
    Console.Error.WriteLine();
    Console.Error.WriteLine(LoadGenOptions.Usage);
    return error.Length == 0 ? ExitCodes.Pass : ExitCodes.Usage;
}

using var cancel = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cancel.Cancel();
};

return await new LoadGenRunner(options, TimeProvider.System, Console.Out, Console.Error).RunAsync(cancel.Token);
