using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Metering.Security;

/// <summary>
/// Registers API-key authentication: the authenticator, the revocation poller, the interceptor (added to the gRPC
/// pipeline by the service's AddGrpc) and the policies of the standard services, which need no key.
/// </summary>
public static class SecurityServiceCollectionExtensions
{
    public static IServiceCollection AddMeteringSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SecurityOptions>()
            .Bind(configuration.GetSection("Security"))
            .Validate(o => o.BootstrapAdminKey is null || o.BootstrapAdminKey.Length >= 24, "Security:BootstrapAdminKey must be at least 24 characters when set.")
            .Validate(o => o.RevocationPollInterval > TimeSpan.Zero && o.RevocationPollInterval <= TimeSpan.FromSeconds(4), "Security:RevocationPollInterval must be between 0 and 4 seconds (revoked keys stop within 5 s).")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<ApiKeyAuthenticator>();
        services.AddHostedService<RevocationPoller>();
        services.AddSingleton<AuthenticationInterceptor>();
        services.AddMethodPolicy("/grpc.health.v1.Health/", MethodPolicy.Public);
        services.AddMethodPolicy("/grpc.reflection.v1.ServerReflection/", MethodPolicy.Public);
        services.AddMethodPolicy("/grpc.reflection.v1alpha.ServerReflection/", MethodPolicy.Public);
        return services;
    }

    public static IServiceCollection AddMethodPolicy(this IServiceCollection services, string methodOrServicePrefix, MethodPolicy policy)
        => services.AddSingleton(new MethodPolicyRegistration(methodOrServicePrefix, policy));
}
