namespace Metering.Cli.Rendering;

/// <summary>How a column of a <see cref="TextTable"/> aligns its cells.</summary>
internal enum Align
{
    Left,
    Right,
}
