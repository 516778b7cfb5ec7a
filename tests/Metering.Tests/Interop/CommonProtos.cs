using System.Xml.Linq;

namespace Metering.Tests.Interop;

/// <summary>
/// The google/rpc protos (status.proto, error_details.proto) of the NuGet package Google.Api.CommonProtos, at the
/// version Directory.Packages.props pins, in the NuGet packages folder (NUGET_PACKAGES, else ~/.nuget/packages)
/// where the restore put them. The Python clients compile them next to the metering protos.
/// </summary>
internal static class CommonProtos
{
    private const string PackageId = "Google.Api.CommonProtos";

    private static readonly Lazy<string> Folder = new(Find);

    /// <summary>The package's content/protos folder (it holds google/rpc/*.proto).</summary>
    public static string Directory => Folder.Value;

    private static string Find()
    {
        var props = Path.Combine(RepositoryPaths.Root, "Directory.Packages.props");
        var version = XDocument.Load(props).Descendants("PackageVersion")
            .FirstOrDefault(e => string.Equals((string?)e.Attribute("Include"), PackageId, StringComparison.OrdinalIgnoreCase))
            ?.Attribute("Version")?.Value
            ?? throw new InvalidOperationException($"{props} pins no version of {PackageId}.");
        var packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        var folder = Path.Combine(packages, PackageId.ToLowerInvariant(), version.ToLowerInvariant(), "content", "protos");
        return File.Exists(Path.Combine(folder, "google", "rpc", "status.proto"))
            ? folder
            : throw new InvalidOperationException($"{folder} has no google/rpc/status.proto: restore the solution first (dotnet restore), which puts {PackageId} {version} there.");
    }
}
