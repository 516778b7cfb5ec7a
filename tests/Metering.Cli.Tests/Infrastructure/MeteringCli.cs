using System.CommandLine;
using Metering.Cli.Commands;

namespace Metering.Cli.Tests.Infrastructure;

/// <summary>Runs <c>metering</c> in this process with a given environment, capturing its output.</summary>
internal static class MeteringCli
{
    /// <summary>Runs with stdout and stderr redirected (not terminals), as in scripts.</summary>
    public static Task<CliRun> RunAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
        => RunAsync(environment, terminal: false, args);

    /// <summary>Runs with no environment: no key, default addresses (nothing is called when parsing fails).</summary>
    public static Task<CliRun> RunAsync(params string[] args) => RunAsync(null, args);

    /// <summary>Runs as if stdout and stderr were terminals a person watches (the text is still captured).</summary>
    public static Task<CliRun> RunInTerminalAsync(IReadOnlyDictionary<string, string>? environment, params string[] args)
        => RunAsync(environment, terminal: true, args);

    /// <summary>
    /// Parses a command line that must be valid; returns the command it names (of type <typeparamref name="T"/>) and the
    /// parse result to bind it with.
    /// </summary>
    public static (T Command, ParseResult Parse) Parse<T>(params string[] args)
        where T : CliCommand
    {
        var app = new CliApplication(TextWriter.Null, TextWriter.Null, _ => null, TimeProvider.System);
        var parse = app.Parse(args);
        Assert.True(parse.Errors.Count == 0, string.Join("\n", parse.Errors.Select(e => e.Message)));
        var command = app.Catalog.Get<T>();
        Assert.Same(command.Command, parse.CommandResult.Command);
        return (command, parse);
    }

    private static async Task<CliRun> RunAsync(IReadOnlyDictionary<string, string>? environment, bool terminal, string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var app = new CliApplication(output, error, name => environment?.GetValueOrDefault(name), TimeProvider.System, terminal, terminal);
        var code = await app.RunAsync(args, CancellationToken.None);
        return new CliRun(code, output.ToString(), error.ToString());
    }
}
