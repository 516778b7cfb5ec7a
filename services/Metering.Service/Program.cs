using Metering.Persistence;
using Metering.Service;
using Metering.ServiceDefaults;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.AddMeteringConsole(builder.Configuration);
builder.WebHost.UseMeteringKestrelDefaults();
builder.Services.AddMeteringService(builder.Configuration);

var app = builder.Build();
await app.Services.MigrateMeteringDatabaseAsync();
app.MapMeteringService();
await app.RunAsync();
