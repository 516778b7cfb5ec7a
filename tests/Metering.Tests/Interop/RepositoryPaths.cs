namespace Metering.Tests.Interop;

/// <summary>Folders of the repository, found by walking up from the test binaries to Metering.sln.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string PythonInterop => Path.Combine(Root, "tests", "interop", "python");

    public static string NodeInterop => Path.Combine(Root, "tests", "interop", "node");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Metering.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} contains Metering.sln.");
    }
}
