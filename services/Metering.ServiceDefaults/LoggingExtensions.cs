using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Metering.ServiceDefaults;

/// <summary>
/// Console logging as configuration says: <c>Logging:Console:FormatterName</c> is <c>simple</c> (the default, for a
/// terminal), <c>json</c> (one JSON object per line, for a log collector) or <c>systemd</c>, with the formatter's
/// options under <c>Logging:Console:FormatterOptions</c> (docs/operations.md, "Logging").
/// </summary>
public static class LoggingExtensions
{
    public static ILoggingBuilder AddMeteringConsole(this ILoggingBuilder logging, IConfiguration configuration)
    {
        logging.AddConsole();

        // Bound last, so the configured formatter wins over any the host builder chose.
        logging.Services.Configure<ConsoleLoggerOptions>(configuration.GetSection("Logging:Console"));
        return logging;
    }
}
