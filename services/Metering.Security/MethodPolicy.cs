namespace Metering.Security;

/// <summary>Which roles may call a method; <see cref="Anonymous"/> methods need no key (health, reflection).</summary>
public sealed record MethodPolicy(bool Anonymous, IReadOnlySet<CallerRole> Roles)
{
    public static MethodPolicy Public { get; } = new(true, new HashSet<CallerRole>());

    public static MethodPolicy For(params CallerRole[] roles) => new(false, roles.ToHashSet());
}
