using System.Net;
using System.Net.Sockets;

namespace Metering.Testing;

/// <summary>Where the build put a service (for tests that run it as a process), and free loopback ports for it.</summary>
public static class ServiceBuild
{
    /// <summary>
    /// services/&lt;project&gt;/bin/&lt;configuration&gt;/net10.0/&lt;project&gt;.dll of this checkout, in the configuration
    /// the tests were built in (the test project references the services, so building it built them).
    /// </summary>
    public static string OutputOf(string project)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Debug{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Debug" : "Release";
        var path = Path.Combine(RepositoryRoot(), "services", project, "bin", configuration, "net10.0", project + ".dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"{path} is missing: build the solution ({configuration}) first.", path);
    }

    /// <summary>A TCP port on 127.0.0.1 that was free a moment ago.</summary>
    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>The checkout these tests were built in: the first folder above them with Metering.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Metering.sln")))
            {
                return directory.FullName;
            }
        }

        throw new DirectoryNotFoundException($"No Metering.sln above {AppContext.BaseDirectory}.");
    }
}
