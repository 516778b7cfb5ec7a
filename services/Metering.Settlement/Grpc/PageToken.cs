using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Grpc.Core;
using Metering.ServiceDefaults;

namespace Metering.Settlement.Grpc;

/// <summary>
/// Keyset page tokens: the sort key of the last item returned plus a fingerprint of the request's other fields, so
/// a token is only accepted with the request it came from ("with every other field unchanged").
/// </summary>
internal static class PageToken
{
    public const int DefaultPageSize = 100;
    public const int MaxPageSize = 1000;

    public static int PageSize(int requested)
    {
        if (requested < 0)
        {
            throw RpcErrors.InvalidField("page_size", "must not be negative", "OUT_OF_RANGE");
        }

        return requested == 0 ? DefaultPageSize : Math.Min(requested, MaxPageSize);
    }

    public static string Make<TRequest>(TRequest request, Func<TRequest, TRequest> withoutPaging, string first, string second)
        where TRequest : IMessage<TRequest>
        => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{Fingerprint(withoutPaging(request))}|{first}|{second}"));

    /// <summary>The (first, second) key of the token, null for an empty token; INVALID_ARGUMENT for a token of another request.</summary>
    public static (string First, string Second)? Read<TRequest>(TRequest request, string token, Func<TRequest, TRequest> withoutPaging)
        where TRequest : IMessage<TRequest>
    {
        if (token.Length == 0)
        {
            return null;
        }

        try
        {
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(token)).Split('|');
            if (parts.Length == 3 && parts[0] == Fingerprint(withoutPaging(request)) && parts[1].Length > 0 && parts[2].Length > 0)
            {
                return (parts[1], parts[2]);
            }
        }
        catch (FormatException)
        {
        }

        throw RpcErrors.InvalidField("page_token", "is not a token of this request (send the other fields unchanged)", "INVALID_PAGE_TOKEN");
    }

    private static string Fingerprint<TRequest>(TRequest request)
        where TRequest : IMessage<TRequest>
        => Convert.ToHexStringLower(SHA256.HashData(request.ToByteArray()))[..16];
}
