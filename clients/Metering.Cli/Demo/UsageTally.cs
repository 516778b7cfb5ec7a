using Metering.Contracts.V1;

namespace Metering.Cli.Demo;

/// <summary>Counters per (host, model); thread-safe.</summary>
internal sealed class UsageTally
{
    private readonly Lock _lock = new();
    private readonly Dictionary<(string Host, string Model), UsageTotals> _totals = [];

    public void Add(string host, string model, UsageTotals totals)
    {
        lock (_lock)
        {
            _totals[(host, model)] = _totals.GetValueOrDefault((host, model)) + totals;
        }
    }

    public void Add(string host, UsageRecord record)
        => Add(host, record.Model, new UsageTotals(record.Requests, record.InputTokens, record.OutputTokens, record.HasBilledMicros ? record.BilledMicros : 0));

    public UsageTotals Get(string host, string model)
    {
        lock (_lock)
        {
            return _totals.GetValueOrDefault((host, model));
        }
    }

    /// <summary>A copy of every (host, model) entry.</summary>
    public Dictionary<(string Host, string Model), UsageTotals> Snapshot()
    {
        lock (_lock)
        {
            return new Dictionary<(string Host, string Model), UsageTotals>(_totals);
        }
    }

    /// <summary>Usage rows (grouped by host and model) as a tally.</summary>
    public static Dictionary<(string Host, string Model), UsageTotals> FromRows(IEnumerable<UsageRow> rows)
    {
        var totals = new Dictionary<(string Host, string Model), UsageTotals>();
        foreach (var row in rows)
        {
            var key = (row.HostId, row.Model);
            totals[key] = totals.GetValueOrDefault(key) + new UsageTotals(row.Requests, row.InputTokens, row.OutputTokens, row.BilledMicros);
        }

        return totals;
    }
}
