namespace Metering.Cli.Rendering;

/// <summary>How a command writes its results.</summary>
internal enum ExportFormat
{
    /// <summary>Aligned columns for people.</summary>
    Table,

    /// <summary>RFC 4180 CSV with a header row.</summary>
    Csv,

    /// <summary>The proto3 JSON mapping of the wire messages (field names as in the .proto files), indented.</summary>
    Json,
}
