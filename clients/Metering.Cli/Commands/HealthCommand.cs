using Metering.Cli.Internal;
using Metering.Cli.Parsing;

namespace Metering.Cli.Commands;

/// <summary><c>metering health [--service metering|settlement|all] [--wait SECONDS]</c>: grpc.health.v1 checks.</summary>
internal sealed class HealthCommand : ICliCommand
{
    private static readonly IReadOnlyDictionary<string, ServiceTarget> Services = new Dictionary<string, ServiceTarget>(StringComparer.Ordinal)
    {
        ["metering"] = ServiceTarget.Metering,
        ["settlement"] = ServiceTarget.Settlement,
        ["all"] = ServiceTarget.Both,
    };

    public CommandSpec Spec { get; } = new("health", "check that the services answer SERVING (no key needed)")
    {
        Options =
        [
            new("--service", "metering|settlement|all", "which service to check; default all"),
            new("--wait", "seconds", "retry until SERVING or this many seconds have passed; default: check once"),
        ],
        Examples = ["metering health", "metering health --service settlement --wait 60"],
        Target = ServiceTarget.Both,
    };

    public async Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken)
    {
        var target = args.Choice("--service", Services, ServiceTarget.Both);
        var wait = TimeSpan.FromSeconds(args.Has("--wait") ? args.PositiveInt("--wait", 1, 3600) : 0);
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
        var allServing = true;
        foreach (var (name, address) in endpoints)
        {
            while (true)
            {
                var (serving, status) = await HealthProbe.CheckAsync(address, TimeSpan.FromSeconds(2), context.Time, cancellationToken);
                if (serving || context.Time.GetUtcNow() >= deadline)
                {
                    context.Out.WriteLine($"{name,-11} {address.OriginalString}  {status}");
                    allServing &= serving;
                    break;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(250), context.Time, cancellationToken);
            }
        }

        return allServing ? ExitCodes.Ok : ExitCodes.Failed;
    }
}
