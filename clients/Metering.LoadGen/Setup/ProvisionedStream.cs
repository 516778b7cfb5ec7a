namespace Metering.LoadGen.Setup;

/// <summary>A stream's identity: its host, the HOST key issued for it and its producer id.</summary>
internal sealed record ProvisionedStream(int Index, int HostIndex, string HostId, string Key, string ProducerId);
