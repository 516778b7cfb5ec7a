using Metering.Grpc;
using Metering.Persistence;
using Metering.Settlement;

var builder = WebApplication.CreateSlimBuilder(args);
builder.WebHost.UseKestrelHttpsConfiguration();
builder.WebHost.UseGrpcKestrelDefaults();
builder.Services.AddMeteringSettlement(builder.Configuration);

var app = builder.Build();
await app.Services.MigrateMeteringDatabaseAsync();
app.RunGrpcServices();
await app.RunAsync();
