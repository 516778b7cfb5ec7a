using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Health.V1;
using Metering.Contracts.V1;
using Metering.Grpc;
using Metering.LoadGen.Workload;

namespace Metering.LoadGen.Rpc;

/// <summary>Method handles of the metering API, built from the generated service descriptors.</summary>
internal static class MeteringMethods
{
    /// <summary>
    /// IngestService.StreamUsage with a pre-encoded request type: the same method and wire bytes as
    /// <see cref="StreamUsageRequest"/>, without building or walking a protobuf object per record.
    /// </summary>
    public static readonly Method<EncodedStreamUsageRequest, StreamUsageResponse> StreamUsage = Method<EncodedStreamUsageRequest, StreamUsageResponse>.FromDescriptor(
        IngestReflection.Descriptor.Services[0].FindMethodByName("StreamUsage"),
        EncodedStreamUsageRequest.Parser,
        StreamUsageResponse.Parser);

    public static readonly Method<GetUsageRequest, GetUsageResponse> GetUsage = Make<GetUsageRequest, GetUsageResponse>(UsageServiceReflection.Descriptor.Services[0], "GetUsage");

    public static readonly Method<CreateHostRequest, CreateHostResponse> CreateHost = Make<CreateHostRequest, CreateHostResponse>(AdminReflection.Descriptor.Services[0], "CreateHost");

    public static readonly Method<CreateApiKeyRequest, CreateApiKeyResponse> CreateApiKey = Make<CreateApiKeyRequest, CreateApiKeyResponse>(AdminReflection.Descriptor.Services[0], "CreateApiKey");

    public static readonly Method<HealthCheckRequest, HealthCheckResponse> HealthCheck = Make<HealthCheckRequest, HealthCheckResponse>(HealthReflection.Descriptor.Services[0], "Check");

    /// <summary>Call options carrying <c>authorization: Bearer &lt;key&gt;</c>.</summary>
    public static CallOptions Bearer(string key, CancellationToken cancellationToken = default)
        => new() { Headers = new Metadata { { "authorization", "Bearer " + key } }, CancellationToken = cancellationToken };

    private static Method<TRequest, TResponse> Make<TRequest, TResponse>(ServiceDescriptor service, string name)
        where TRequest : class, IMessage<TRequest>, new()
        where TResponse : class, IMessage<TResponse>, new()
        => Method<TRequest, TResponse>.FromDescriptor(service.FindMethodByName(name), new MessageParser<TRequest>(() => new TRequest()), new MessageParser<TResponse>(() => new TResponse()));
}
