namespace Metering.Client.Internal;

/// <summary>How one StreamUsage stream ended: the failure (null when the server ended it with OK) and the acknowledgements it delivered.</summary>
internal readonly record struct SessionOutcome(Exception? Error, int Acknowledged);
