using System.Globalization;
using Google.Protobuf;
using Metering.Cli.Parsing;
using Metering.Cli.Rendering;
using Metering.Contracts.V1;

namespace Metering.Cli.Commands;

/// <summary><c>metering agreements set ...</c>: SettlementService.UpsertAgreement, from options or a JSON file.</summary>
internal sealed class AgreementsSetCommand : ICliCommand
{
    private static readonly string[] TermOptions = ["--host", "--effective", "--currency", "--basis", "--rate", "--tier", "--minimum"];

    public CommandSpec Spec { get; } = new("agreements set", "create or replace a host's agreement from a month on (ADMIN key)")
    {
        UsageLines =
        [
            "agreements set --host <host-id> --effective <YYYY-MM> --currency <ISO> --basis rate-card|reported\n" +
            "                [--rate <model=in,out,req>]... --tier <from=percent>... [--minimum <amount>]",
            "agreements set --file <agreement.json>",
        ],
        Description = """
            An agreement applies from the first day of --effective (UTC) until the host's next agreement; setting one for
            the same host and month replaces it. Gross revenue is the usage priced with the rate card (rate-card) or what
            the host reported billing (reported). Share tiers are marginal: --tier 0=10 --tier 1000000=15 owes 10% of the
            first 1,000,000 of gross revenue and 15% above. Amounts are in --currency.
            --file takes the agreement in the proto3 JSON mapping of metering.v1.Agreement, e.g.
              {"host_id": "aws", "effective_month": "2026-10", "currency": "USD", "revenue_basis": "REVENUE_BASIS_RATE_CARD",
               "rate_card": [{"model": "*", "price_per_million_input_tokens": "0.5", "price_per_million_output_tokens": "1.5",
                              "price_per_thousand_requests": "0"}],
               "share_tiers": [{"from_amount": "0", "share_percent": "10"}], "minimum_payment": "500"}
            """,
        Options =
        [
            new("--host", "host-id", "the host"),
            new("--effective", "YYYY-MM", "first month the agreement applies to"),
            new("--currency", "ISO", "ISO 4217 code of every amount (USD, EUR)"),
            new("--basis", "rate-card|reported", "how gross revenue is computed"),
            new("--rate", "model=in,out,req", "prices per 1M input tokens, per 1M output tokens, per 1K requests; model '*' prices every model without its own entry (rate-card only)", Repeatable: true),
            new("--tier", "from=percent", "share of gross revenue from this amount up to the next tier, in percent; the first starts at 0", Repeatable: true),
            new("--minimum", "amount", "minimum payment per period"),
            new("--file", "path", "read the whole agreement from a JSON file instead of the options above"),
        ],
        Examples =
        [
            "metering agreements set --host aws --effective 2026-10 --currency USD --basis rate-card \\\n" +
            "      --rate \"llama-3.1-70b=0.90,0.90,0\" --rate \"*=0.20,0.20,0\" --tier 0=10 --tier 1000000=15 --minimum 500",
            "metering agreements set --host groq --effective 2026-10 --currency USD --basis reported --tier 0=12",
            "metering agreements set --file agreement.json",
        ],
        Target = ServiceTarget.Settlement,
    };

    public static Agreement Bind(ParsedCommand args)
    {
        if (args.Value("--file") is { } path)
        {
            var conflict = TermOptions.FirstOrDefault(args.Has);
            if (conflict is not null)
            {
                throw args.Error($"--file cannot be combined with {conflict}: the file holds the whole agreement");
            }

            return ReadFile(args, path);
        }

        var agreement = new Agreement
        {
            HostId = RequiredTerm(args, "--host"),
            EffectiveMonth = Values.Month(args, "--effective", RequiredTerm(args, "--effective")),
            Currency = Values.Currency(args, "--currency", RequiredTerm(args, "--currency")),
            RevenueBasis = args.ParseChoice("--basis", RequiredTerm(args, "--basis"), Choices.Bases),
            MinimumPayment = args.Value("--minimum") is { } minimum ? Values.Decimal(args, "--minimum", minimum) : string.Empty,
        };

        var models = new HashSet<string>(StringComparer.Ordinal);
        foreach (var rate in args.Values("--rate"))
        {
            var entry = ParseRate(args, rate);
            if (!models.Add(entry.Model))
            {
                throw args.Error($"--rate gives model '{entry.Model}' twice");
            }

            agreement.RateCard.Add(entry);
        }

        if (agreement.RevenueBasis == RevenueBasis.RateCard && agreement.RateCard.Count == 0)
        {
            throw args.Error("--rate is required with --basis rate-card (at least one, e.g. --rate \"*=0.50,1.50,0\")");
        }

        if (agreement.RevenueBasis == RevenueBasis.Reported && agreement.RateCard.Count > 0)
        {
            throw args.Error("--rate is not allowed with --basis reported (gross revenue is what the host billed)");
        }

        var tiers = args.Values("--tier");
        if (tiers.Count == 0)
        {
            throw args.Error("--tier is required (at least one, starting at 0, e.g. --tier 0=10)");
        }

        foreach (var tier in tiers)
        {
            agreement.ShareTiers.Add(ParseTier(args, tier));
        }

        return agreement;
    }

    public async Task<int> RunAsync(ParsedCommand args, CliContext context, CancellationToken cancellationToken)
    {
        var agreement = Bind(args);
        var response = await context.Settlement.Settlement.UpsertAgreementAsync(new UpsertAgreementRequest { Agreement = agreement }, cancellationToken);
        context.Out.WriteLine(response.Created ? "Created:" : "Replaced the agreement for the same host and month:");
        AgreementRenderer.WriteDetails(context.Out, response.Agreement);
        return ExitCodes.Ok;
    }

    private static string RequiredTerm(ParsedCommand args, string option)
        => args.Value(option) ?? throw args.Error($"{option} is required (or give the whole agreement with --file)");

    private static RateCardEntry ParseRate(ParsedCommand args, string text)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        var prices = equals < 0 ? [] : text[(equals + 1)..].Split(',', StringSplitOptions.TrimEntries);
        if (equals <= 0 || prices.Length != 3)
        {
            throw args.Error($"--rate must be model=in,out,req (prices per 1M input tokens, per 1M output tokens, per 1K requests), e.g. \"llama-3.1-70b=0.90,0.90,0\"; not '{text}'");
        }

        return new RateCardEntry
        {
            Model = text[..equals].Trim(),
            PricePerMillionInputTokens = Values.Decimal(args, "--rate", prices[0], $"'{text}': the input price"),
            PricePerMillionOutputTokens = Values.Decimal(args, "--rate", prices[1], $"'{text}': the output price"),
            PricePerThousandRequests = Values.Decimal(args, "--rate", prices[2], $"'{text}': the request price"),
        };
    }

    private static ShareTier ParseTier(ParsedCommand args, string text)
    {
        var parts = text.Split('=', StringSplitOptions.TrimEntries);
        if (parts.Length != 2)
        {
            throw args.Error($"--tier must be from=percent, e.g. 0=10 or 1000000=15; not '{text}'");
        }

        var from = Values.Decimal(args, "--tier", parts[0], $"'{text}': the from amount");
        var percent = Values.Decimal(args, "--tier", parts[1], $"'{text}': the percent");
        return decimal.TryParse(percent, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var value) && value <= 100
            ? new ShareTier { FromAmount = from, SharePercent = percent }
            : throw args.Error($"--tier '{text}': the percent must be between 0 and 100");
    }

    private static Agreement ReadFile(ParsedCommand args, string path)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw args.Error($"--file cannot read '{path}': {e.Message}");
        }

        try
        {
            return JsonParser.Default.Parse<Agreement>(json);
        }
        catch (InvalidProtocolBufferException e)
        {
            throw args.Error($"--file '{path}' is not a metering.v1.Agreement in JSON: {e.Message}");
        }
        catch (InvalidJsonException e)
        {
            throw args.Error($"--file '{path}' is not valid JSON: {e.Message}");
        }
    }
}
