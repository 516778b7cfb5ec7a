using Metering.Domain.Settlement;

namespace Metering.Domain.Corrections;

/// <summary>An approved correction as settlement applies it: its id and the delta it adds to (host, model) in its period.</summary>
public sealed record AppliedCorrection(string CorrectionId, string HostId, string Model, UsageTotals Delta);
