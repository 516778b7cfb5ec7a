using Metering.Cli.Commands;
using Metering.Cli.Parsing;
using Metering.Cli.Rendering;
using Grpc.Core;

namespace Metering.Cli;

/// <summary>
/// The whole <c>metering</c> command: parses the command line, resolves the global options against the environment,
/// runs the command, and turns failures into messages and exit codes (usage errors 2, server errors 1 with the status
/// code, message and field violations). Runs in-process for tests: output, environment and clock are injected.
/// </summary>
internal sealed class CliApplication
{
    private readonly TextWriter _out;
    private readonly TextWriter _error;
    private readonly Func<string, string?> _environment;
    private readonly TimeProvider _time;
    private readonly CommandCatalog _catalog;

    public CliApplication(TextWriter output, TextWriter error, Func<string, string?> environment, TimeProvider time, CommandCatalog? catalog = null)
    {
        _out = output;
        _error = error;
        _environment = environment;
        _time = time;
        _catalog = catalog ?? CommandCatalog.Default();
    }

    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        ParseOutcome outcome;
        GlobalOptions globals;
        try
        {
            outcome = CommandLineParser.Parse(args, _catalog);
            if (outcome.HelpPath is { } helpPath)
            {
                HelpWriter.Write(outcome.IsError ? _error : _out, _catalog, helpPath);
                return outcome.IsError ? ExitCodes.Usage : ExitCodes.Ok;
            }

            globals = GlobalOptions.Resolve(outcome.GivenGlobals, _environment);
        }
        catch (CliUsageException e)
        {
            return UsageError(e);
        }

        var command = outcome.Command!;
        using var context = new CliContext(_out, _error, globals, _time, command.Spec.Path);
        try
        {
            return await command.RunAsync(outcome.Parsed!, context, cancellationToken);
        }
        catch (CliUsageException e)
        {
            return UsageError(e);
        }
        catch (RpcException e) when (!cancellationToken.IsCancellationRequested)
        {
            RpcErrorWriter.Write(_error, e, globals, command.Spec.Target);
            return ExitCodes.Failed;
        }
        catch (Exception e) when (cancellationToken.IsCancellationRequested && e is OperationCanceledException or RpcException)
        {
            _error.WriteLine("interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (e is HttpRequestException or IOException or TimeoutException or InvalidOperationException)
        {
            _error.WriteLine($"error: {e.GetType().Name}: {e.Message}");
            return ExitCodes.Failed;
        }
    }

    private int UsageError(CliUsageException e)
    {
        var prefix = e.CommandPath is null ? "metering" : "metering " + e.CommandPath;
        _error.WriteLine($"{prefix}: {e.Message}");
        _error.WriteLine($"Run '{prefix} --help' for usage.");
        return ExitCodes.Usage;
    }
}
