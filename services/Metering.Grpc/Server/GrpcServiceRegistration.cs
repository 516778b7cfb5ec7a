using Google.Protobuf.Reflection;

namespace Metering.Grpc.Server;

/// <summary>A service to serve: its protobuf descriptor and the type that implements its methods.</summary>
internal sealed record GrpcServiceRegistration(ServiceDescriptor Descriptor, Type ImplementationType);
