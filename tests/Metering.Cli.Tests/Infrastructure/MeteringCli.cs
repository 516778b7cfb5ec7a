using Metering.Cli.Commands;
using Metering.Cli.Parsing;

namespace Metering.Cli.Tests.Infrastructure;

/// <summary>Runs <c>metering</c> in this process with a given environment, capturing its output.</summary>
internal static class MeteringCli
{
    public static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var app = new CliApplication(output, error, name => environment?.GetValueOrDefault(name), TimeProvider.System);
        var code = await app.RunAsync(args, CancellationToken.None);
        return new CliRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Runs with no environment: no key, default addresses (nothing is called when parsing fails).</summary>
    public static Task<CliRun> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>Parses a command line that must be valid; returns the command's arguments.</summary>
    public static ParsedCommand Parse(params string[] args)
        => CommandLineParser.Parse(args, CommandCatalog.Default()).Parsed ?? throw new InvalidOperationException("Not a command: " + string.Join(' ', args));

    /// <summary>The usage error a binding function throws for a command line.</summary>
    public static CliUsageException BindError(Action<ParsedCommand> bind, params string[] args)
        => Assert.Throws<CliUsageException>(() => bind(Parse(args)));
}
