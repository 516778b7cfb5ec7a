namespace Metering.Grpc.Internal;

/// <summary>Values of <c>-bin</c> headers: base64, sent unpadded is allowed, accepted with or without padding.</summary>
internal static class Base64Header
{
    public static string Encode(byte[] value) => Convert.ToBase64String(value);

    public static byte[] Decode(string value)
    {
        var padding = (4 - value.Length % 4) % 4;
        if (padding is 1 or 2)
        {
            value += new string('=', padding);
        }

        try
        {
            return Convert.FromBase64String(value);
        }
        catch (FormatException)
        {
            throw new RpcException(StatusCode.Internal, "A -bin metadata value is not valid base64.");
        }
    }
}
