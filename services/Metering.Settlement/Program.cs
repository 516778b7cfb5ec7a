using Metering.Persistence;
using Metering.ServiceDefaults;
using Metering.Settlement;

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.AddMeteringConsole(builder.Configuration);
builder.WebHost.UseMeteringKestrelDefaults();
builder.Services.AddMeteringSettlement(builder.Configuration);

var app = builder.Build();
await app.Services.MigrateMeteringDatabaseAsync();
app.MapMeteringSettlement();
await app.RunAsync();
