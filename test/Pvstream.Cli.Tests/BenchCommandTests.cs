namespace Pvstream.Cli.Tests;

/// <summary><c>pvstream bench</c> end to end: a tiny matrix run with real ad-sim-server and consumer processes.</summary>
[Collection(PipelineCollection.Name)]
public sealed class BenchCommandTests
{
    private static readonly Dictionary<string, string> NoEnvironment = [];

    [Fact]
    public async Task A_tiny_matrix_runs_as_processes_and_writes_its_tables()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"pvstream-bench-test-{Guid.NewGuid():N}");
        try
        {
            var result = await Tool.RunAsync(NoEnvironment, TimeSpan.FromSeconds(150),
                "bench", "--sizes", "32x32", "--consumers", "1,2", "--duration", "3", "--start-rate", "50", "--max-rate", "50", "-o", folder);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("[cell 2/2: 32x32 uint8, 2 consumers] pvstream trial 1: 50 frames/s for 3 s: pass", result.Stderr, StringComparison.Ordinal);
            Assert.Contains("Image 32 x 32 (uint8, 0.00 MB); server queue size 1000", result.Stdout, StringComparison.Ordinal);

            var csv = File.ReadAllLines(Path.Combine(folder, "bench.csv"));
            Assert.Equal(3, csv.Length);
            Assert.StartsWith("pvstream,32,32,uint8,1024,1,0,1000,50,50,3000,", csv[1], StringComparison.Ordinal);
            Assert.StartsWith("pvstream,32,32,uint8,1024,2,0,1000,50,25,3000,", csv[2], StringComparison.Ordinal);
            Assert.True(new FileInfo(Path.Combine(folder, "bench.png")).Length > 1000);
            Assert.Contains("| Consumers |", File.ReadAllText(Path.Combine(folder, "bench.md")), StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("--sizes", "12")]
    [InlineData("--consumers", "0")]
    [InlineData("--duration", "0")]
    public async Task Bad_options_are_bad_input(string option, string value)
    {
        var result = await Tool.RunAsync(NoEnvironment, "bench", option, value, "-o", Path.GetTempPath());
        Assert.Equal(ExitCodes.BadInput, result.ExitCode);
        Assert.StartsWith("Error: ", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_reference_on_path_peer_says_so()
    {
        var folder = Path.Combine(Path.GetTempPath(), $"pvstream-bench-test-{Guid.NewGuid():N}");
        try
        {
            var result = await Tool.RunAsync(new Dictionary<string, string> { ["PATH"] = "/usr/bin:/bin" }, TimeSpan.FromSeconds(60),
                "bench", "--sizes", "16x16", "--consumers", "1", "--duration", "1", "--start-rate", "20", "--max-rate", "20", "--peer", "-o", folder);
            Assert.True(result.ExitCode == 0, result.ToString());
            Assert.Contains("not on PATH: running pvstream alone", result.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }
}
