using System.CommandLine;
using Google.Protobuf.WellKnownTypes;
using Metering.Cli.Commands;
using Metering.Cli.Rendering;
using Metering.Cli.Tests.Infrastructure;
using Metering.Contracts.V1;

namespace Metering.Cli.Tests;

/// <summary>Valid command lines become the wire requests the commands send.</summary>
public sealed class CommandBindingTests
{
    [Fact]
    public void Usage_AllOptions_BecomeOneRequest()
    {
        var query = Bind((UsageCommand c, ParseResult p) => c.Bind(p), 
            "usage", "--from", "2026-11-01", "--to=2026-12-01T00:00Z", "--host", "aws", "--host", "azure,groq,aws",
            "--model", "llama-3.1-8b", "--by", "host,model", "--granularity", "DAY", "--format", "csv");

        var request = query.Request;
        Assert.Equal(Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 11, 1, 0, 0, 0, TimeSpan.Zero)), request.StartTime);
        Assert.Equal(Timestamp.FromDateTimeOffset(new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero)), request.EndTime);
        Assert.Equal(["aws", "azure", "groq"], request.HostIds);
        Assert.Equal(["llama-3.1-8b"], request.Models);
        Assert.Equal([UsageGroupBy.Host, UsageGroupBy.Model], request.GroupBy);
        Assert.Equal(Granularity.Day, request.Granularity);
        Assert.Equal(ExportFormat.Csv, query.Format);
        Assert.Empty(request.PageToken);
    }

    [Fact]
    public void Usage_MonthsAndOffsets_AreUtcHours()
    {
        var query = Bind((UsageCommand c, ParseResult p) => c.Bind(p), "usage", "--from", "2026-11", "--to", "2026-11-01T10:00+02:00");

        Assert.Equal(new DateTime(2026, 11, 1, 0, 0, 0, DateTimeKind.Utc), query.Request.StartTime.ToDateTime());
        Assert.Equal(new DateTime(2026, 11, 1, 8, 0, 0, DateTimeKind.Utc), query.Request.EndTime.ToDateTime());
        Assert.Equal(Granularity.Total, query.Request.Granularity);
        Assert.Empty(query.Request.GroupBy);
        Assert.Equal(ExportFormat.Table, query.Format);
    }

    [Fact]
    public void AgreementsSet_Options_BecomeAgreement()
    {
        var agreement = Bind((AgreementsSetCommand c, ParseResult p) => c.Bind(p), 
            "agreements", "set", "--host", "aws", "--effective", "2026-10", "--currency", "usd", "--basis", "rate-card",
            "--rate", "llama-3.1-70b=0.90,0.90,0", "--rate", "*=0.2, 0.6 ,0.05", "--tier", "0=10", "--tier", "1000000=15", "--minimum", "500");

        Assert.Equal("aws", agreement.HostId);
        Assert.Equal("2026-10", agreement.EffectiveMonth);
        Assert.Equal("USD", agreement.Currency);
        Assert.Equal(RevenueBasis.RateCard, agreement.RevenueBasis);
        Assert.Equal("500", agreement.MinimumPayment);
        Assert.Equal(2, agreement.RateCard.Count);
        Assert.Equal(new RateCardEntry { Model = "llama-3.1-70b", PricePerMillionInputTokens = "0.90", PricePerMillionOutputTokens = "0.90", PricePerThousandRequests = "0" }, agreement.RateCard[0]);
        Assert.Equal(new RateCardEntry { Model = "*", PricePerMillionInputTokens = "0.2", PricePerMillionOutputTokens = "0.6", PricePerThousandRequests = "0.05" }, agreement.RateCard[1]);
        Assert.Equal(
            [new ShareTier { FromAmount = "0", SharePercent = "10" }, new ShareTier { FromAmount = "1000000", SharePercent = "15" }],
            agreement.ShareTiers);
    }

    [Fact]
    public void AgreementsSet_Reported_HasNoRateCardAndNoMinimum()
    {
        var agreement = Bind((AgreementsSetCommand c, ParseResult p) => c.Bind(p), 
            "agreements", "set", "--host", "groq", "--effective", "2026-10", "--currency", "EUR", "--basis", "reported", "--tier", "0=12.5");

        Assert.Equal(RevenueBasis.Reported, agreement.RevenueBasis);
        Assert.Empty(agreement.RateCard);
        Assert.Empty(agreement.MinimumPayment);
        Assert.Equal("12.5", agreement.ShareTiers[0].SharePercent);
    }

    [Fact]
    public void AgreementsSet_File_ReadsProtoJson()
    {
        var path = Path.Combine(Path.GetTempPath(), $"agreement-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """
            {"host_id": "aws", "effective_month": "2026-10", "currency": "USD", "revenue_basis": "REVENUE_BASIS_RATE_CARD",
             "rate_card": [{"model": "*", "price_per_million_input_tokens": "0.5", "price_per_million_output_tokens": "1.5",
                            "price_per_thousand_requests": "0"}],
             "share_tiers": [{"from_amount": "0", "share_percent": "10"}], "minimum_payment": "500"}
            """);
        try
        {
            var agreement = Bind((AgreementsSetCommand c, ParseResult p) => c.Bind(p), "agreements", "set", "--file", path);

            Assert.Equal("aws", agreement.HostId);
            Assert.Equal(RevenueBasis.RateCard, agreement.RevenueBasis);
            Assert.Equal("1.5", agreement.RateCard[0].PricePerMillionOutputTokens);
            Assert.Equal("500", agreement.MinimumPayment);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task AgreementsSet_FileNotAnAgreement_NamesTheFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"agreement-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, """{"host": "aws"}""");
        try
        {
            var run = await MeteringCli.RunAsync("agreements", "set", "--file", path);

            Assert.Equal(ExitCodes.Usage, run.ExitCode);
            Assert.Contains($"metering agreements set: --file '{path}' is not a metering.v1.Agreement in JSON", run.Error, StringComparison.Ordinal);

        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void KeysCreate_HostRole_BindsHostAndDescription()
    {
        var request = Bind((KeysCreateCommand c, ParseResult p) => c.Bind(p), "keys", "create", "--role", "host", "--host", "aws", "--description", "eu-west-1 gateway");

        Assert.Equal(new CreateApiKeyRequest { Role = Role.Host, HostId = "aws", Description = "eu-west-1 gateway" }, request);
    }

    [Fact]
    public void StatementsShow_ByIdOrByHostPeriod()
    {
        Assert.Equal("st_1", Bind((StatementsShowCommand c, ParseResult p) => c.BindSelector(p), "statements", "show", "st_1").StatementId);

        var byHost = Bind((StatementsShowCommand c, ParseResult p) => c.BindSelector(p), "statements", "show", "--host", "aws", "--period", "2026-10");
        Assert.Equal(new HostPeriod { HostId = "aws", Period = "2026-10" }, byHost.HostPeriod);
    }

    [Fact]
    public void StatementsExport_Period_ListsThatMonth()
    {
        var (one, many, format) = Bind((StatementsExportCommand c, ParseResult p) => c.Bind(p), "statements", "export", "--period", "2026-10", "--host", "aws,azure", "--status", "final", "--format", "json");

        Assert.Null(one);
        Assert.NotNull(many);
        Assert.Equal("2026-10", many.PeriodFrom);
        Assert.Equal("2026-10", many.PeriodTo);
        Assert.Equal(["aws", "azure"], many.HostIds);
        Assert.Equal(StatementStatus.Final, many.Status);
        Assert.Equal(ExportFormat.Json, format);
    }

    [Fact]
    public void Settle_PeriodAndHosts()
    {
        var request = Bind((SettleCommand c, ParseResult p) => c.Bind(p), "settle", "--period", "2026-10", "--host", "aws,azure", "--host", "groq");

        Assert.Equal("2026-10", request.Period);
        Assert.Equal(["aws", "azure", "groq"], request.HostIds);
    }

    [Fact]
    public void StatementsFinalize_AllowUnpricedFlag()
    {
        var request = Bind((StatementsFinalizeCommand c, ParseResult p) => c.Bind(p), "statements", "finalize", "st_9", "--allow-unpriced");

        Assert.Equal("st_9", request.StatementId);
        Assert.True(request.AllowUnpriced);
    }

    [Fact]
    public void Demo_Defaults()
    {
        var options = Bind((DemoCommand c, ParseResult p) => c.Bind(p), "demo");

        Assert.Equal(TimeSpan.FromSeconds(20), options.Duration);
        Assert.Equal(2, options.GatewaysPerHost);
        Assert.Null(options.Metrics);
    }

    [Fact]
    public void Demo_Metrics_IsTheUrlGiven()
    {
        var options = Bind((DemoCommand c, ParseResult p) => c.Bind(p), "demo", "--metrics", "http://127.0.0.1:9091/metrics");

        Assert.Equal(new Uri("http://127.0.0.1:9091/metrics"), options.Metrics);
    }

    [Fact]
    public void DoubleDash_EndsOptions()
    {
        var request = Bind((KeysRevokeCommand c, ParseResult p) => c.Bind(p), "keys", "revoke", "--", "--odd-id");

        Assert.Equal("--odd-id", request.KeyId);
    }

    [Fact]
    public void Demo_DefaultsAreThoseOfMakeRun()
    {
        var options = Bind((DemoCommand c, ParseResult p) => c.Bind(p), "demo", "--seconds", "5", "--gateways", "3", "--flush-wait", "7");

        Assert.Equal(TimeSpan.FromSeconds(5), options.Duration);
        Assert.Equal(3, options.GatewaysPerHost);
        Assert.Equal(TimeSpan.FromSeconds(7), options.FlushWait);
    }

    [Fact]
    public void Lists_AreListedInOrderWithoutDuplicates()
    {
        var (request, format) = Bind((StatementsListCommand c, ParseResult p) => c.Bind(p), "statements", "list", "--host", "groq,aws", "--host=azure", "--host", "aws", "--status", "DRAFT", "--format", "json");

        Assert.Equal(["groq", "aws", "azure"], request.HostIds);
        Assert.Equal(StatementStatus.Draft, request.Status);
        Assert.Equal(ExportFormat.Json, format);
    }

    private static TResult Bind<TCommand, TResult>(Func<TCommand, ParseResult, TResult> bind, params string[] args)
        where TCommand : CliCommand
    {
        var (command, parse) = MeteringCli.Parse<TCommand>(args);
        return bind(command, parse);
    }
}
