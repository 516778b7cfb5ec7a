using System.CommandLine;
using System.Globalization;
using Google.Protobuf;
using Metering.Cli.CommandLine;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering agreements set ...</c>: SettlementService.UpsertAgreement, from options or a JSON file.</summary>
internal sealed class AgreementsSetCommand : CliCommand
{
    private readonly Option<string> _host;
    private readonly Option<string> _effective;
    private readonly Option<string> _currency;
    private readonly ChoiceOption<RevenueBasis> _basis;
    private readonly Option<IReadOnlyList<RateCardEntry>> _rates;
    private readonly Option<IReadOnlyList<ShareTier>> _tiers;
    private readonly Option<string> _minimum;
    private readonly Option<Agreement> _file;
    private readonly ChoiceOption<ExportFormat> _format;

    public AgreementsSetCommand()
        : base("agreements set", "create or replace a host's agreement from a month on (ADMIN key)")
    {
        _host = Add(CliOptions.Text("--host", "host-id", "the host"));
        _effective = Add(CliOptions.Month("--effective", "first month the agreement applies to"));
        _currency = Add(CliOptions.Single("--currency", "ISO", "ISO 4217 code of every amount (USD, EUR)", Values.Currency));
        _basis = Add(new ChoiceOption<RevenueBasis>("--basis", "how gross revenue is computed", Choices.Bases));
        _rates = Add(CliOptions.List(
            "--rate",
            "model=in,out,req",
            "prices per 1M input tokens, per 1M output tokens, per 1K requests; model '*' prices every model without its own entry (rate-card only)",
            (_, text) => ParseRate(text),
            commaSeparated: false));
        var parseRates = _rates.CustomParser!;
        _rates.CustomParser = result => CliOptions.Parse(result, () =>
        {
            var rates = parseRates(result) ?? [];
            var twice = rates.GroupBy(r => r.Model, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            return twice is null ? rates : throw new CliUsageException($"--rate gives model '{twice.Key}' twice");
        });
        _tiers = Add(CliOptions.List(
            "--tier",
            "from=percent",
            "share of gross revenue from this amount up to the next tier, in percent; the first starts at 0",
            (_, text) => ParseTier(text),
            commaSeparated: false));
        _minimum = Add(CliOptions.Single("--minimum", "amount", "minimum payment per period", (option, text) => Values.Decimal(option, text)));
        _file = Add(CliOptions.Single("--file", "path", "read the whole agreement from a JSON file instead of the options above", (option, path) => ReadFile(Values.NonEmpty(option, path))));
        _format = Add(CliOptions.Format());
        Details = """
            Usage: metering agreements set --host <host-id> --effective <YYYY-MM> --currency <ISO> --basis rate-card|reported
                                           [--rate <model=in,out,req>]... --tier <from=percent>... [--minimum <amount>]
                   metering agreements set --file <agreement.json>
            An agreement applies from the first day of --effective (UTC) until the host's next agreement; setting one for
            the same host and month replaces it. Gross revenue is the usage priced with the rate card (rate-card) or what
            the host reported billing (reported). Share tiers are marginal: --tier 0=10 --tier 1000000=15 owes 10% of the
            first 1,000,000 of gross revenue and 15% above. Amounts are in --currency.
            --file takes the agreement in the proto3 JSON mapping of metering.v1.Agreement, e.g.
              {"host_id": "aws", "effective_month": "2026-10", "currency": "USD", "revenue_basis": "REVENUE_BASIS_RATE_CARD",
               "rate_card": [{"model": "*", "price_per_million_input_tokens": "0.5", "price_per_million_output_tokens": "1.5",
                              "price_per_thousand_requests": "0"}],
               "share_tiers": [{"from_amount": "0", "share_percent": "10"}], "minimum_payment": "500"}
            """;
        Examples =
        [
            "metering agreements set --host aws --effective 2026-10 --currency USD --basis rate-card \\\n" +
            "      --rate \"llama-3.1-70b=0.90,0.90,0\" --rate \"*=0.20,0.20,0\" --tier 0=10 --tier 1000000=15 --minimum 500",
            "metering agreements set --host groq --effective 2026-10 --currency USD --basis reported --tier 0=12",
            "metering agreements set --file agreement.json",
        ];
        Target = ServiceTarget.Settlement;
    }

    public Agreement Bind(ParseResult parse)
    {
        if (parse.GetValue(_file) is { } fromFile)
        {
            Option[] terms = [_host, _effective, _currency, _basis, _rates, _tiers, _minimum];
            var conflict = terms.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false });
            return conflict is not null
                ? throw Error($"--file cannot be combined with {conflict.Name}: the file holds the whole agreement")
                : fromFile;
        }

        var agreement = new Agreement
        {
            HostId = RequiredTerm(parse, _host),
            EffectiveMonth = RequiredTerm(parse, _effective),
            Currency = RequiredTerm(parse, _currency),
            RevenueBasis = _basis.IsGiven(parse) ? _basis.Get(parse) : throw RequiredTermError(_basis),
            MinimumPayment = parse.GetValue(_minimum) ?? string.Empty,
        };

        agreement.RateCard.AddRange(parse.GetValue(_rates) ?? []);
        if (agreement.RevenueBasis == RevenueBasis.RateCard && agreement.RateCard.Count == 0)
        {
            throw Error("--rate is required with --basis rate-card (at least one, e.g. --rate \"*=0.50,1.50,0\")");
        }

        if (agreement.RevenueBasis == RevenueBasis.Reported && agreement.RateCard.Count > 0)
        {
            throw Error("--rate is not allowed with --basis reported (gross revenue is what the host billed)");
        }

        agreement.ShareTiers.AddRange(parse.GetValue(_tiers) ?? []);
        return agreement.ShareTiers.Count > 0
            ? agreement
            : throw Error("--tier is required (at least one, starting at 0, e.g. --tier 0=10)");
    }

    public override async Task<int> RunAsync(ParseResult parse, CliContext context, CancellationToken cancellationToken)
    {
        var agreement = Bind(parse);
        var format = _format.Get(parse);
        var response = await context.Settlement.Settlement.UpsertAgreementAsync(new UpsertAgreementRequest { Agreement = agreement }, cancellationToken);
        switch (format)
        {
            case ExportFormat.Json:
                ProtoJson.WriteArray(context.Out, "agreements", [response.Agreement]);
                break;
            case ExportFormat.Csv:
                AgreementRenderer.WriteCsv(context.Out, [response.Agreement]);
                break;
            default:
                context.Out.WriteLine(response.Created ? "Created:" : "Replaced the agreement for the same host and month:");
                AgreementRenderer.WriteDetails(context.Output, response.Agreement);
                break;
        }

        return ExitCodes.Ok;
    }

    private string RequiredTerm(ParseResult parse, Option<string> option)
        => parse.GetValue(option) ?? throw RequiredTermError(option);

    private CliUsageException RequiredTermError(Option option) => Error($"{option.Name} is required (or give the whole agreement with --file)");

    private static RateCardEntry ParseRate(string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var prices = equals < 0 ? [] : text[(equals + 1)..].Split(',', StringSplitOptions.TrimEntries);
        if (equals <= 0 || prices.Length != 3)
        {
            throw new CliUsageException($"--rate must be model=in,out,req (prices per 1M input tokens, per 1M output tokens, per 1K requests), e.g. \"llama-3.1-70b=0.90,0.90,0\"; not '{text}'");
        }

        return new RateCardEntry
        {
            Model = text[..equals].Trim(),
            PricePerMillionInputTokens = Values.Decimal("--rate", prices[0], $"'{text}': the input price"),
            PricePerMillionOutputTokens = Values.Decimal("--rate", prices[1], $"'{text}': the output price"),
            PricePerThousandRequests = Values.Decimal("--rate", prices[2], $"'{text}': the request price"),
        };
    }

    private static ShareTier ParseTier(string text)
    {
        var parts = text.Split('=', StringSplitOptions.TrimEntries);
        if (parts.Length != 2)
        {
            throw new CliUsageException($"--tier must be from=percent, e.g. 0=10 or 1000000=15; not '{text}'");
        }

        var from = Values.Decimal("--tier", parts[0], $"'{text}': the from amount");
        var percent = Values.Decimal("--tier", parts[1], $"'{text}': the percent");
        return decimal.TryParse(percent, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value <= 100
            ? new ShareTier { FromAmount = from, SharePercent = percent }
            : throw new CliUsageException($"--tier '{text}': the percent must be between 0 and 100");
    }

    private static Agreement ReadFile(string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new CliUsageException($"--file cannot read '{path}': {e.Message}");
        }

        try
        {
            return JsonParser.Default.Parse<Agreement>(json);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw new CliUsageException($"--file '{path}' is not a metering.v1.Agreement in JSON: {e.Message}");
        }
        catch (InvalidJsonException e)
        {
            throw new CliUsageException($"--file '{path}' is not valid JSON: {e.Message}");
        }
    }
}
