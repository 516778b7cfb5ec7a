namespace Metering.Cli.Demo;

/// <summary>A model of the demo: its share of traffic, typical request sizes and a list price per million tokens.</summary>
internal sealed record DemoModel(string Name, double TrafficShare, int MeanInputTokens, int MeanOutputTokens, decimal ListPricePerMillionInput, decimal ListPricePerMillionOutput);
