using Google.Protobuf.Reflection;
using Grpc.Testing;
using Metering.Grpc;

namespace Metering.Tests.Interop;

/// <summary>The client-side methods of grpc.testing.TestService and grpc.testing.UnimplementedService.</summary>
internal static class TestServiceMethods
{
    public static readonly ServiceDescriptor TestService = Service("TestService");

    public static readonly ServiceDescriptor UnimplementedService = Service("UnimplementedService");

    public static readonly Method<Empty, Empty> EmptyCall = Create(TestService, "EmptyCall", Empty.Parser, Empty.Parser);

    public static readonly Method<SimpleRequest, SimpleResponse> UnaryCall = Create(TestService, "UnaryCall", SimpleRequest.Parser, SimpleResponse.Parser);

    public static readonly Method<SimpleRequest, SimpleResponse> CacheableUnaryCall = Create(TestService, "CacheableUnaryCall", SimpleRequest.Parser, SimpleResponse.Parser);

    public static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> StreamingOutputCall = Create(TestService, "StreamingOutputCall", StreamingOutputCallRequest.Parser, StreamingOutputCallResponse.Parser);

    public static readonly Method<StreamingInputCallRequest, StreamingInputCallResponse> StreamingInputCall = Create(TestService, "StreamingInputCall", StreamingInputCallRequest.Parser, StreamingInputCallResponse.Parser);

    public static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> FullDuplexCall = Create(TestService, "FullDuplexCall", StreamingOutputCallRequest.Parser, StreamingOutputCallResponse.Parser);

    public static readonly Method<StreamingOutputCallRequest, StreamingOutputCallResponse> HalfDuplexCall = Create(TestService, "HalfDuplexCall", StreamingOutputCallRequest.Parser, StreamingOutputCallResponse.Parser);

    public static readonly Method<Empty, Empty> UnimplementedCall = Create(TestService, "UnimplementedCall", Empty.Parser, Empty.Parser);

    public static readonly Method<Empty, Empty> UnimplementedServiceCall = Create(UnimplementedService, "UnimplementedCall", Empty.Parser, Empty.Parser);

    private static ServiceDescriptor Service(string name)
        => TestReflection.Descriptor.Services.Single(s => s.Name == name);

    private static Method<TRequest, TResponse> Create<TRequest, TResponse>(ServiceDescriptor service, string name, Google.Protobuf.MessageParser<TRequest> request, Google.Protobuf.MessageParser<TResponse> response)
        where TRequest : class, Google.Protobuf.IMessage<TRequest>
        where TResponse : class, Google.Protobuf.IMessage<TResponse>
        => Method<TRequest, TResponse>.FromDescriptor(service.FindMethodByName(name), request, response);
}
