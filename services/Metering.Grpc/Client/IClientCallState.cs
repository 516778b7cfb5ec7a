namespace Metering.Grpc.Client;

/// <summary>The parts of a client call that do not depend on its message types.</summary>
internal interface IClientCallState : IDisposable
{
    Task<Metadata> ResponseHeadersTask { get; }

    Status GetStatus();

    Metadata GetTrailers();
}
