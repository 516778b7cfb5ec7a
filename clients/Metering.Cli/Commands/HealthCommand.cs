using System.CommandLine;
using System.Text.Json;
using Metering.Cli.CommandLine;
using Metering.Cli.Internal;
using Metering.Cli.Rendering;
using Spectre.Console;

namespace Metering.Cli.Commands;

/// <summary><c>metering health [--service metering|settlement|all] [--wait SECONDS]</c>: grpc.health.v1 checks.</summary>
internal sealed class HealthCommand : CliCommand
{
    private static readonly IReadOnlyDictionary<string, ServiceTarget> Services = new Dictionary<string, ServiceTarget>(StringComparer.Ordinal)
    {
        ["metering"] = ServiceTarget.Metering,
        ["settlement"] = ServiceTarget.Settlement,
        ["all"] = ServiceTarget.Both,
    };

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    private readonly ChoiceOption<ServiceTarget> _service;
    private readonly Option<int> _wait;
    private readonly ChoiceOption<ExportFormat> _format;

    public HealthCommand()
        : base("health", "check that the services answer SERVING (no key needed)")
    {
        _service = Add(new ChoiceOption<ServiceTarget>("--service", "which service to check", Services, fallback: "all"));
        _wait = Add(CliOptions.Single("--wait", "seconds", "retry until SERVING or this many seconds have passed; default: check once", (option, text) => Values.PositiveInt(option, text, 3600)));
        _format = Add(CliOptions.Format());
        Details = "Exit code 0 when every service checked answers SERVING, 1 otherwise.";
        Examples = ["metering health", "metering health --service settlement --wait 60"];
        Target = ServiceTarget.Both;
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var target = _service.Get(parse);
        var wait = TimeSpan.FromSeconds(parse.GetValue(_wait));
        var format = _format.Get(parse);
        var endpoints = new List<(string Name, Uri Address)>();
        if (target.HasFlag(ServiceTarget.Metering))
        {
            endpoints.Add(("metering", context.Globals.Address));
        }

        if (target.HasFlag(ServiceTarget.Settlement))
        {
            endpoints.Add(("settlement", context.Globals.SettlementAddress));
        }

        var deadline = context.Time.GetUtcNow() + wait;
        var results = new List<(string Name, Uri Address, bool Serving, string Status)>();
        foreach (var (name, address) in endpoints)
        {
            while (true)
            {
                var (serving, status) = await HealthProbe.CheckAsync(address, TimeSpan.FromSeconds(2), context.Time, cancellationToken);
                if (serving || context.Time.GetUtcNow() >= deadline)
                {
                    results.Add((name, address, serving, status));
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), context.Time, cancellationToken);
            }
        }

        Write(context, format, results);
        return results.All(r => r.Serving) ? ExitCodes.Ok : ExitCodes.Failed;
    }

    private static void Write(CliContext context, ExportFormat format, List<(string Name, Uri Address, bool Serving, string Status)> results)
    {
        switch (format)
        {
            case ExportFormat.Json:
                var document = new { services = results.Select(r => new { service = r.Name, address = r.Address.OriginalString, serving = r.Serving, status = r.Status }) };
                context.Out.WriteLine(JsonSerializer.Serialize(document, JsonOptions));
                break;
            case ExportFormat.Csv:
                Csv.WriteRow(context.Out, ["service", "address", "serving", "status"]);
                foreach (var r in results)
                {
                    Csv.WriteRow(context.Out, [r.Name, r.Address.OriginalString, r.Serving ? "true" : "false", r.Status]);
                }

                break;
            default:
                var table = Tables.Create(("Service", Justify.Left), ("Address", Justify.Left), ("Status", Justify.Left));
                foreach (var r in results)
                {
                    table.AddTextRow(r.Name, r.Address.OriginalString, r.Status);
                }

                context.Output.Write(table);
                break;
        }
    }
}
