namespace Metering.Service.Ingest;

/// <summary>A request message that is not valid protobuf of its type; the stream ends with INTERNAL (as gRPC prescribes).</summary>
internal sealed class MalformedMessageException(string message) : Exception(message);
