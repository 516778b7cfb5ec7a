using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Client;

namespace Metering.Cli.Commands;

/// <summary>
/// What a command runs with: stdout and stderr (each knowing whether it is a terminal), the resolved global options,
/// the clock, and SDK clients opened on demand (one per endpoint, disposed with the context).
/// </summary>
internal sealed class CliContext : IDisposable
{
    private readonly string _commandPath;
    private MeteringClient? _metering;
    private MeteringClient? _settlement;

    public CliContext(ConsoleView output, ConsoleView error, GlobalOptions globals, TimeProvider time, string commandPath)
    {
        Output = output;
        ErrorView = error;
        Globals = globals;
        Time = time;
        _commandPath = commandPath;
    }

    /// <summary>Standard output, for results.</summary>
    public ConsoleView Output { get; }

    /// <summary>Standard error, for progress, warnings and what is not the result.</summary>
    public ConsoleView ErrorView { get; }

    public TextWriter Out => Output.Writer;

    public TextWriter Error => ErrorView.Writer;

    public GlobalOptions Globals { get; }

    public TimeProvider Time { get; }

    /// <summary>
    /// The API key; a usage error naming <c>--key</c> and METERING_API_KEY when there is none. Asked for only when a
    /// client is first needed, so that a malformed option is reported before a missing key.
    /// </summary>
    public string Key
    {
        get
        {
            var key = Globals.Key
                ?? throw new CliUsageException($"no API key: pass {GlobalOptions.KeyOption} <secret> or set {GlobalOptions.KeyVariable}", _commandPath);
            return key.All(c => c is > ' ' and <= '~')
                ? key
                : throw new CliUsageException($"the API key ({GlobalOptions.KeyOption} or {GlobalOptions.KeyVariable}) must be printable ASCII without spaces", _commandPath);
        }
    }

    /// <summary>The SDK client of the metering service (AdminService, UsageService, IngestService).</summary>
    public MeteringClient Metering => _metering ??= new MeteringClient(Globals.Address.OriginalString, Key);

    /// <summary>
    /// The SDK client of the settlement service (its <see cref="MeteringClient.Settlement"/> and
    /// <see cref="MeteringClient.Corrections"/>).
    /// </summary>
    public MeteringClient Settlement => _settlement ??= new MeteringClient(Globals.SettlementAddress.OriginalString, Key);

    public void Dispose()
    {
        _metering?.Dispose();
        _settlement?.Dispose();
    }
}
