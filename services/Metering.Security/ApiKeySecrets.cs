using System.Security.Cryptography;
using System.Text;

namespace Metering.Security;

/// <summary>Makes API keys and hashes them. A key is "mtr_&lt;key id&gt;_&lt;secret&gt;"; only its SHA-256 is stored.</summary>
public static class ApiKeySecrets
{
    public static (string KeyId, string Secret) Generate()
    {
        var keyId = "key_" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8));
        var secret = "mtr_" + keyId[4..] + "_" + Base64Url(RandomNumberGenerator.GetBytes(32));
        return (keyId, secret);
    }

    public static byte[] Hash(string secret) => SHA256.HashData(Encoding.UTF8.GetBytes(secret));

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');
}
