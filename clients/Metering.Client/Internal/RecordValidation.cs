namespace Metering.Client.Internal;

/// <summary>
/// The per-record rules of the wire contract (usage.proto) that do not depend on the server's clock, checked in
/// <see cref="UsageReporter.Record"/> so that one bad record cannot get a whole batch rejected.
/// </summary>
internal static class RecordValidation
{
    /// <summary>Largest counter value the server accepts (10^12).</summary>
    public const long MaxCounter = 1_000_000_000_000;

    /// <summary>Longest model name or producer id.</summary>
    public const int MaxIdentifierLength = 128;

    /// <summary>1 to 128 characters of [A-Za-z0-9._:/-] (model names and producer ids).</summary>
    public static bool IsValidIdentifier(string value)
    {
        if (value.Length is 0 or > MaxIdentifierLength)
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

    public static void Validate(string model, long inputTokens, long outputTokens, long requests, long? billedMicros)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!IsValidIdentifier(model))
        {
            throw new ArgumentException($"The model must be 1 to 128 characters of [A-Za-z0-9._:/-], not '{model}'.", nameof(model));
        }

        CheckCounter(inputTokens, nameof(inputTokens));
        CheckCounter(outputTokens, nameof(outputTokens));
        CheckCounter(requests, nameof(requests));
        if (billedMicros is { } billed)
        {
            CheckCounter(billed, nameof(billedMicros));
        }

        if (inputTokens == 0 && outputTokens == 0 && requests == 0)
        {
            throw new ArgumentException("At least one of inputTokens, outputTokens and requests must be positive.", nameof(requests));
        }
    }

    private static void CheckCounter(long value, string name)
    {
        if (value is < 0 or > MaxCounter)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between 0 and 1,000,000,000,000 (10^12).");
        }
    }
}
