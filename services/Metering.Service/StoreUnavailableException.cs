namespace Metering.Service;

/// <summary>
/// A store the call needs (Redis or PostgreSQL) could not answer, or kept changing under a query; nothing of the call
/// was applied and a retry is safe. <see cref="MeteringErrors"/> turns it into UNAVAILABLE at the handler edge.
/// </summary>
internal sealed class StoreUnavailableException(string message, Exception? innerException = null) : Exception(message, innerException);
