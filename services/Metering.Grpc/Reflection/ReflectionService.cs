using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Reflection.V1;
using Metering.Grpc.Server;

namespace Metering.Grpc.Reflection;

/// <summary>
/// gRPC server reflection (grpc.reflection.v1 and, with the same wire-identical messages, v1alpha): lists the
/// services and serves the FileDescriptorProtos of the files that define them, with their dependencies.
/// </summary>
internal sealed class ReflectionService
{
    private readonly List<string> _serviceNames;
    private readonly Dictionary<string, FileDescriptor> _filesByName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FileDescriptor> _filesBySymbol = new(StringComparer.Ordinal);

    public ReflectionService(IEnumerable<GrpcServiceRegistration> registrations)
    {
        var services = registrations.Select(r => r.Descriptor).ToList();
        _serviceNames = services.Select(s => s.FullName).Distinct().Order(StringComparer.Ordinal).ToList();
        foreach (var service in services)
        {
            AddFile(service.File);
        }
    }

    public async Task ServerReflectionInfo(IAsyncStreamReader<ServerReflectionRequest> requests, IServerStreamWriter<ServerReflectionResponse> responses, ServerCallContext context)
    {
        while (await requests.MoveNext(context.CancellationToken).ConfigureAwait(false))
        {
            var request = requests.Current;
            var response = new ServerReflectionResponse { ValidHost = request.Host, OriginalRequest = request };
            switch (request.MessageRequestCase)
            {
                case ServerReflectionRequest.MessageRequestOneofCase.ListServices:
                    response.ListServicesResponse = new ListServiceResponse();
                    response.ListServicesResponse.Service.AddRange(_serviceNames.Select(n => new ServiceResponse { Name = n }));
                    break;
                case ServerReflectionRequest.MessageRequestOneofCase.FileByFilename:
                    SetFile(response, _filesByName.GetValueOrDefault(request.FileByFilename), $"File '{request.FileByFilename}' not found.");
                    break;
                case ServerReflectionRequest.MessageRequestOneofCase.FileContainingSymbol:
                    SetFile(response, _filesBySymbol.GetValueOrDefault(request.FileContainingSymbol), $"Symbol '{request.FileContainingSymbol}' not found.");
                    break;
                case ServerReflectionRequest.MessageRequestOneofCase.FileContainingExtension:
                    SetError(response, StatusCode.NotFound, "Extensions are not supported.");
                    break;
                case ServerReflectionRequest.MessageRequestOneofCase.AllExtensionNumbersOfType:
                    SetError(response, StatusCode.NotFound, "Extensions are not supported.");
                    break;
                default:
                    SetError(response, StatusCode.InvalidArgument, "The request names no reflection query.");
                    break;
            }

            await responses.WriteAsync(response).ConfigureAwait(false);
        }
    }

    private static void SetFile(ServerReflectionResponse response, FileDescriptor? file, string notFound)
    {
        if (file is null)
        {
            SetError(response, StatusCode.NotFound, notFound);
            return;
        }

        response.FileDescriptorResponse = new FileDescriptorResponse();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<FileDescriptor>();
        pending.Push(file);
        while (pending.Count > 0)
        {
            var next = pending.Pop();
            if (!seen.Add(next.Name))
            {
                continue;
            }

            response.FileDescriptorResponse.FileDescriptorProto.Add(next.SerializedData);
            foreach (var dependency in next.Dependencies)
            {
                pending.Push(dependency);
            }
        }
    }

    private static void SetError(ServerReflectionResponse response, StatusCode code, string message)
        => response.ErrorResponse = new ErrorResponse { ErrorCode = (int)code, ErrorMessage = message };

    private void AddFile(FileDescriptor file)
    {
        if (!_filesByName.TryAdd(file.Name, file))
        {
            return;
        }

        foreach (var service in file.Services)
        {
            _filesBySymbol[service.FullName] = file;
            foreach (var method in service.Methods)
            {
                _filesBySymbol[method.FullName] = file;
            }
        }

        foreach (var message in file.MessageTypes)
        {
            AddMessage(file, message);
        }

        foreach (var enumType in file.EnumTypes)
        {
            _filesBySymbol[enumType.FullName] = file;
        }

        foreach (var dependency in file.Dependencies)
        {
            AddFile(dependency);
        }
    }

    private void AddMessage(FileDescriptor file, MessageDescriptor message)
    {
        _filesBySymbol[message.FullName] = file;
        foreach (var nested in message.NestedTypes)
        {
            AddMessage(file, nested);
        }

        foreach (var enumType in message.EnumTypes)
        {
            _filesBySymbol[enumType.FullName] = file;
        }
    }
}
