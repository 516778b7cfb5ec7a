using System.Reflection;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Metering.Grpc.Server;

/// <summary>
/// Binds a service implementation to the methods of its protobuf service descriptor: for each RPC the public
/// method of the same name, whose parameters follow the RPC's kind:
/// unary <c>Task&lt;TResponse&gt; M(TRequest, ServerCallContext)</c>;
/// client streaming <c>Task&lt;TResponse&gt; M(IAsyncStreamReader&lt;TRequest&gt;, ServerCallContext)</c>;
/// server streaming <c>Task M(TRequest, IServerStreamWriter&lt;TResponse&gt;, ServerCallContext)</c>;
/// bidirectional <c>Task M(IAsyncStreamReader&lt;TRequest&gt;, IServerStreamWriter&lt;TResponse&gt;, ServerCallContext)</c>.
/// Binding happens once at start-up; a missing or mis-shaped method stops the start with its name.
/// </summary>
internal static class ServiceBinder
{
    public static IEnumerable<ServerMethodHandler> Bind(ServiceDescriptor service, object implementation, GrpcServerRuntime runtime)
    {
        var type = implementation.GetType();
        foreach (var method in service.Methods)
        {
            var info = type.GetMethod(method.Name, BindingFlags.Public | BindingFlags.Instance)
                ?? throw new InvalidOperationException($"{type.Name} does not implement {service.FullName}/{method.Name}: no public method named {method.Name}.");
            yield return BindMethod(method, info, implementation, runtime);
        }
    }

    private static ServerMethodHandler BindMethod(MethodDescriptor method, MethodInfo info, object implementation, GrpcServerRuntime runtime)
    {
        var fullName = "/" + method.Service.FullName + "/" + method.Name;
        var parameters = info.GetParameters();
        Type requestType;
        Type responseType;
        Type delegateType;
        string expected;
        switch (method.IsClientStreaming, method.IsServerStreaming)
        {
            case (false, false):
                expected = "Task<TResponse> (TRequest, ServerCallContext)";
                Require(parameters.Length == 2 && IsTaskOf(info.ReturnType), fullName, expected);
                requestType = parameters[0].ParameterType;
                responseType = info.ReturnType.GetGenericArguments()[0];
                delegateType = typeof(Func<,,>).MakeGenericType(requestType, typeof(ServerCallContext), info.ReturnType);
                break;
            case (true, false):
                expected = "Task<TResponse> (IAsyncStreamReader<TRequest>, ServerCallContext)";
                Require(parameters.Length == 2 && IsTaskOf(info.ReturnType) && IsGeneric(parameters[0].ParameterType, typeof(IAsyncStreamReader<>)), fullName, expected);
                requestType = parameters[0].ParameterType.GetGenericArguments()[0];
                responseType = info.ReturnType.GetGenericArguments()[0];
                delegateType = typeof(Func<,,>).MakeGenericType(parameters[0].ParameterType, typeof(ServerCallContext), info.ReturnType);
                break;
            case (false, true):
                expected = "Task (TRequest, IServerStreamWriter<TResponse>, ServerCallContext)";
                Require(parameters.Length == 3 && info.ReturnType == typeof(Task) && IsGeneric(parameters[1].ParameterType, typeof(IServerStreamWriter<>)), fullName, expected);
                requestType = parameters[0].ParameterType;
                responseType = parameters[1].ParameterType.GetGenericArguments()[0];
                delegateType = typeof(Func<,,,>).MakeGenericType(requestType, parameters[1].ParameterType, typeof(ServerCallContext), typeof(Task));
                break;
            default:
                expected = "Task (IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, ServerCallContext)";
                Require(parameters.Length == 3 && info.ReturnType == typeof(Task) && IsGeneric(parameters[0].ParameterType, typeof(IAsyncStreamReader<>)) && IsGeneric(parameters[1].ParameterType, typeof(IServerStreamWriter<>)), fullName, expected);
                requestType = parameters[0].ParameterType.GetGenericArguments()[0];
                responseType = parameters[1].ParameterType.GetGenericArguments()[0];
                delegateType = typeof(Func<,,,>).MakeGenericType(parameters[0].ParameterType, parameters[1].ParameterType, typeof(ServerCallContext), typeof(Task));
                break;
        }

        Require(parameters[^1].ParameterType == typeof(ServerCallContext), fullName, expected);
        RequireMessage(requestType, method.InputType, fullName);
        RequireMessage(responseType, method.OutputType, fullName);

        var handler = Delegate.CreateDelegate(delegateType, implementation, info);
        var parser = requestType.GetProperty("Parser", BindingFlags.Public | BindingFlags.Static)!.GetValue(null)!;
        var handlerType = typeof(ServerMethodHandler<,>).MakeGenericType(requestType, responseType);
        return (ServerMethodHandler)Activator.CreateInstance(handlerType, fullName, runtime, parser, handler)!;
    }

    private static void Require(bool condition, string fullName, string expected)
    {
        if (!condition)
        {
            throw new InvalidOperationException($"The implementation of {fullName} must have the signature {expected}.");
        }
    }

    /// <summary>
    /// The CLR message must be the descriptor's message, or a wire-identical copy of the same name from another
    /// package (grpc.reflection.v1alpha is served with the grpc.reflection.v1 messages).
    /// </summary>
    private static void RequireMessage(Type clrType, MessageDescriptor descriptor, string fullName)
    {
        if (!typeof(IMessage).IsAssignableFrom(clrType))
        {
            throw new InvalidOperationException($"{fullName}: {clrType.Name} is not a protobuf message.");
        }

        if (clrType != descriptor.ClrType && clrType.Name != descriptor.Name)
        {
            throw new InvalidOperationException($"{fullName}: the implementation takes {clrType.Name} but the descriptor says {descriptor.FullName}.");
        }
    }

    private static bool IsTaskOf(Type type) => type.IsGenericType && type.GetGenericTypeDefinition() == typeof(Task<>);

    private static bool IsGeneric(Type type, Type definition) => type.IsGenericType && type.GetGenericTypeDefinition() == definition;
}
