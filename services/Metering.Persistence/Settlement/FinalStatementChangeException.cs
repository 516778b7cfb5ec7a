namespace Metering.Persistence.Settlement;

/// <summary>
/// The database refused a change to a FINAL statement or to an agreement a FINAL statement was computed with
/// (SQLSTATE SF001 from the settlement triggers): a race the service's own checks lost. FAILED_PRECONDITION.
/// </summary>
public sealed class FinalStatementChangeException : Exception
{
    public FinalStatementChangeException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
