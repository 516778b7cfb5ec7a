using System.Security.Cryptography;
using System.Text;
using Google.Protobuf;
using Google.Protobuf.Reflection;

namespace Metering.ServiceDefaults;

/// <summary>
/// Keyset paging, the same for every list RPC of both services (docs/wire.md, "Paging"): a page token carries the sort
/// key of the last item returned and a fingerprint of the request's other fields, so the next page starts right after
/// that item (nothing before it is read again) and a token is only accepted with the request it came from ("with
/// every other field unchanged"). Tokens are opaque to clients: base64url of a version, the fingerprint and the key.
/// </summary>
public static class PageCursor
{
    private const string Version = "k1";
    private const char Separator = '\u001f';

    /// <summary>
    /// The page size a request asks for: <paramref name="defaultSize"/> for 0, at most <paramref name="maxSize"/>;
    /// INVALID_ARGUMENT naming page_size when negative.
    /// </summary>
    public static int PageSize(int requested, int defaultSize, int maxSize)
    {
        if (requested < 0)
        {
            throw RpcErrors.InvalidField("page_size", "must not be negative", "OUT_OF_RANGE");
        }

        return requested == 0 ? defaultSize : Math.Min(requested, maxSize);
    }

    /// <summary>The token of the page after the item whose sort key is <paramref name="key"/>.</summary>
    public static string Make(IMessage request, params string[] key)
    {
        var text = Version + Separator + Fingerprint(request) + Separator + string.Join(Separator, key);
        return Convert.ToBase64String(Encoding.UTF8.GetBytes(text)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
    }

    /// <summary>
    /// The sort key (<paramref name="keyParts"/> strings) a request's page token carries; null for an empty token;
    /// INVALID_ARGUMENT naming page_token for a token that is malformed or belongs to another request.
    /// </summary>
    public static string[]? Read(IMessage request, string token, int keyParts)
    {
        if (token.Length == 0)
        {
            return null;
        }

        try
        {
            var base64 = token.Replace('-', '+').Replace('_', '/');
            base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
            var parts = Encoding.UTF8.GetString(Convert.FromBase64String(base64)).Split(Separator);
            if (parts.Length == keyParts + 2 && parts[0] == Version && parts[1] == Fingerprint(request))
            {
                return parts[2..];
            }
        }
        catch (FormatException)
        {
        }

        throw RpcErrors.InvalidField("page_token", "is not a token of this request (send the other fields unchanged)", "INVALID_PAGE_TOKEN");
    }

    /// <summary>The first 16 hex digits of the SHA-256 of the request without its page_token and page_size.</summary>
    private static string Fingerprint(IMessage request)
    {
        var copy = request.Descriptor.Parser.ParseFrom(request.ToByteString());
        foreach (var name in (string[])["page_token", "page_size"])
        {
            if (copy.Descriptor.FindFieldByName(name) is FieldDescriptor field)
            {
                field.Accessor.Clear(copy);
            }
        }

        return Convert.ToHexStringLower(SHA256.HashData(copy.ToByteArray()))[..16];
    }
}
