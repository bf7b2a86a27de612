namespace Pvstream.Cli.Tests;

/// <summary>The source checkout the tests run from: the folder above the test assembly that holds pvstream.slnx.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "pvstream.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("the repository root (pvstream.slnx) is not above the test assembly");
    }
}
