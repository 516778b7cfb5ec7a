namespace Metering.Security;

/// <summary>Why a call was not authenticated.</summary>
public enum ApiKeyRejection
{
    /// <summary>No <c>authorization: Bearer &lt;key&gt;</c> header, or an empty one.</summary>
    Missing,

    /// <summary>No key has this secret.</summary>
    Unknown,

    /// <summary>The key exists and has been revoked.</summary>
    Revoked,
}
