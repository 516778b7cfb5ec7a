namespace Metering.Security;

/// <summary>
/// A policy for a full method name ("/pkg.Service/Method") or for a whole service ("/pkg.Service/").
/// </summary>
public sealed record MethodPolicyRegistration(string MethodOrServicePrefix, MethodPolicy Policy);
