using Xunit;

namespace Metering.Tests.Interop;

/// <summary>The interop client cases both implementations run, as Theory rows per transport.</summary>
public static class InteropCases
{
    public static readonly IReadOnlyList<string> All =
    [
        "empty_unary",
        "large_unary",
        "client_streaming",
        "server_streaming",
        "ping_pong",
        "empty_stream",
        "timeout_on_sleeping_server",
        "cancel_after_begin",
        "cancel_after_first_response",
        "status_code_and_message",
        "special_status_message",
        "custom_metadata",
        "unimplemented_method",
        "unimplemented_service",
        "client_compressed_unary",
        "client_compressed_streaming",
        "server_compressed_unary",
        "server_compressed_streaming",
    ];

    /// <summary>Every case over h2c (false) and TLS (true).</summary>
    public static TheoryData<string, bool> WithTransports()
    {
        var data = new TheoryData<string, bool>();
        foreach (var tls in new[] { false, true })
        {
            foreach (var testCase in All)
            {
                data.Add(testCase, tls);
            }
        }

        return data;
    }
}
