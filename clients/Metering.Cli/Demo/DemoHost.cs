using Metering.Contracts.V1;

namespace Metering.Cli.Demo;

/// <summary>A hosting partner of the demo: who it is, how much traffic its gateways see, and its agreement.</summary>
/// <param name="HostId">The host's slug.</param>
/// <param name="DisplayName">Its name.</param>
/// <param name="RequestsPerSecond">Requests per second each of its gateways serves, across models.</param>
/// <param name="RetailMarkup">What it charges its customers, relative to the list prices of <see cref="DemoModel"/>.</param>
/// <param name="Agreement">Its agreement for a month (host and month filled in by the demo).</param>
internal sealed record DemoHost(string HostId, string DisplayName, int RequestsPerSecond, decimal RetailMarkup, Func<Agreement> Agreement);
