using Microsoft.Extensions.Logging;

namespace Metering.Grpc.Server;

/// <summary>The runtime's log messages.</summary>
internal sealed partial class GrpcServerLog
{
    private readonly ILogger _logger;

    public GrpcServerLog(ILogger logger) => _logger = logger;

    public void HandlerFailed(string method, Exception exception) => LogHandlerFailed(_logger, method, exception);

    [LoggerMessage(EventId = 1, Level = LogLevel.Error, Message = "The handler of {Method} threw an exception.")]
    private static partial void LogHandlerFailed(ILogger logger, string method, Exception exception);
}
