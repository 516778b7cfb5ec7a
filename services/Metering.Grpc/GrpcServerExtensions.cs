using Grpc.Health.V1;
using Metering.Grpc.Health;
using Metering.Grpc.Reflection;
using Metering.Grpc.Server;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Metering.Grpc;

/// <summary>Registers the gRPC runtime, its services and interceptors, and serves them from Kestrel.</summary>
public static class GrpcServerExtensions
{
    /// <summary>
    /// Adds the runtime with grpc.health.v1.Health and server reflection (v1 and v1alpha) already registered.
    /// </summary>
    public static IServiceCollection AddGrpcRuntime(this IServiceCollection services, Action<GrpcServerOptions>? configure = null)
    {
        var optionsBuilder = services.AddOptions<GrpcServerOptions>();
        if (configure is not null)
        {
            optionsBuilder.Configure(configure);
        }

        optionsBuilder.Validate(
            o => o.MaxReceiveMessageSize > 0 && o.MaxSendMessageSize is null or > 0,
            "Grpc:MaxReceiveMessageSize must be positive, and Grpc:MaxSendMessageSize positive when set.")
            .ValidateOnStart();

        services.AddSingleton<HealthStatusRegistry>();
        services.AddGrpcService<HealthService>(HealthReflection.Descriptor.Services[0]);
        services.AddGrpcService<ReflectionService>(global::Grpc.Reflection.V1.ReflectionReflection.Descriptor.Services[0]);
        services.AddGrpcService<ReflectionService>(global::Grpc.Reflection.V1Alpha.ReflectionReflection.Descriptor.Services[0]);
        return services;
    }

    /// <summary>Serves <paramref name="descriptor"/> with <typeparamref name="TService"/> (a singleton).</summary>
    public static IServiceCollection AddGrpcService<TService>(this IServiceCollection services, Google.Protobuf.Reflection.ServiceDescriptor descriptor)
        where TService : class
    {
        services.AddSingleton(new GrpcServiceRegistration(descriptor, typeof(TService)));
        if (!services.Any(d => d.ServiceType == typeof(TService)))
        {
            services.AddSingleton<TService>();
        }

        return services;
    }

    /// <summary>Appends a step to the per-call pipeline; steps run in registration order.</summary>
    public static IServiceCollection AddGrpcInterceptor<TInterceptor>(this IServiceCollection services)
        where TInterceptor : class, ICallInterceptor
    {
        services.AddSingleton<TInterceptor>();
        services.AddSingleton<ICallInterceptor>(sp => sp.GetRequiredService<TInterceptor>());
        return services;
    }

    /// <summary>
    /// Kestrel settings every gRPC endpoint needs: HTTP/2 on every endpoint (h2c in clear text, ALPN h2 with
    /// TLS), and no request-body size or data-rate limit, so long-lived streams are not cut.
    /// </summary>
    public static IWebHostBuilder UseGrpcKestrelDefaults(this IWebHostBuilder builder)
    {
        return builder.ConfigureKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = null;
            kestrel.Limits.MinRequestBodyDataRate = null;
            kestrel.Limits.MinResponseDataRate = null;
            kestrel.Limits.Http2.MaxStreamsPerConnection = 1000;
            kestrel.Limits.Http2.InitialConnectionWindowSize = 4 * 1024 * 1024;
            kestrel.Limits.Http2.InitialStreamWindowSize = 2 * 1024 * 1024;
            kestrel.ConfigureEndpointDefaults(listen => listen.Protocols = HttpProtocols.Http2);
        });
    }

    /// <summary>Binds every registered service and makes the runtime the application's request handler.</summary>
    public static void RunGrpcServices(this IApplicationBuilder app)
    {
        var provider = app.ApplicationServices;
        var options = provider.GetRequiredService<IOptions<GrpcServerOptions>>().Value;
        var interceptors = provider.GetServices<ICallInterceptor>().ToArray();
        var log = new GrpcServerLog(provider.GetRequiredService<ILoggerFactory>().CreateLogger("Metering.Grpc.Server"));
        var runtime = new GrpcServerRuntime(options, interceptors, log);
        var handlers = provider.GetServices<GrpcServiceRegistration>()
            .SelectMany(r => ServiceBinder.Bind(r.Descriptor, provider.GetRequiredService(r.ImplementationType), runtime))
            .ToList();
        var dispatcher = new GrpcDispatcher(handlers);

        var health = provider.GetRequiredService<HealthStatusRegistry>();
        health.SetStatus(string.Empty, HealthCheckResponse.Types.ServingStatus.Serving);
        foreach (var service in provider.GetServices<GrpcServiceRegistration>())
        {
            health.SetStatus(service.Descriptor.FullName, HealthCheckResponse.Types.ServingStatus.Serving);
        }

        var lifetime = provider.GetService<Microsoft.Extensions.Hosting.IHostApplicationLifetime>();
        lifetime?.ApplicationStopping.Register(health.SetAllNotServing);
        app.Run(dispatcher.DispatchAsync);
    }
}
