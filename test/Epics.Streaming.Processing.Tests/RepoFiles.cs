namespace Epics.Streaming.Processing.Tests;

/// <summary>Files of the repository (examples) and scratch folders for tests.</summary>
internal static class RepoFiles
{
    public static string Root
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "pvstream.slnx")))
            {
                dir = dir.Parent;
            }

            return dir?.FullName ?? throw new DirectoryNotFoundException("pvstream.slnx not found above the tests");
        }
    }

    public static string Example(string name) => Path.Combine(Root, "examples", "processors", name);

    public static string NewScratchDirectory()
    {
        var path = Path.Combine(Path.GetTempPath(), "pvstream-tests-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(path);
        return path;
    }
}
