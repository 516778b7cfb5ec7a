namespace Metering.Domain.Ingest;

/// <summary>Formats of producer ids, idempotency keys and host ids.</summary>
public static class IngestIdentifiers
{
    /// <summary>1 to 128 characters of [A-Za-z0-9._:/-].</summary>
    public static bool IsValidProducerId(string value)
    {
        if (value.Length is 0 or > 128)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= 'A' and <= 'Z') or (>= '0' and <= '9') or '.' or '_' or ':' or '/' or '-'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>1 to 128 printable ASCII characters (0x21–0x7E).</summary>
    public static bool IsValidIdempotencyKey(string value)
    {
        if (value.Length is 0 or > 128)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is < '!' or > '~')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>1 to 63 characters of [a-z0-9-], starting with a letter and not ending with '-'.</summary>
    public static bool IsValidHostId(string value)
    {
        if (value.Length is 0 or > 63 || value[0] is not (>= 'a' and <= 'z') || value[^1] == '-')
        {
            return false;
        }

        foreach (var c in value)
        {
            if (c is not ((>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
