namespace Metering.Cli.Parsing;

/// <summary>
/// One <c>--name</c> option of a command. An option with a <see cref="ValueName"/> takes a value (<c>--name value</c> or
/// <c>--name=value</c>); one without is a flag.
/// </summary>
/// <param name="Name">The option, with its leading dashes (<c>--host</c>).</param>
/// <param name="ValueName">What the value is, shown in help (<c>host-id</c>); null for a flag.</param>
/// <param name="Description">One line of help.</param>
/// <param name="Required">The command fails without it.</param>
/// <param name="Repeatable">May be given more than once; each occurrence adds a value.</param>
internal sealed record OptionSpec(string Name, string? ValueName, string Description, bool Required = false, bool Repeatable = false)
{
    /// <summary>True when the option takes no value.</summary>
    public bool IsFlag => ValueName is null;

    /// <summary>How the option is shown in a usage line: <c>--host &lt;host-id&gt;</c>, or <c>--help</c> for a flag.</summary>
    public string Synopsis => IsFlag ? Name : $"{Name} <{ValueName}>";
}
