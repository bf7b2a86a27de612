using Epics.Streaming.Consumer;
using Epics.Streaming.Processing;
using Microsoft.Extensions.Logging;
using Pvstream.Streaming;
using Spectre.Console;

namespace Pvstream.Cli.Tests;

/// <summary><c>--log-file</c> (the file sink, its format and daily rotation) and the live table's content.</summary>
public sealed class ConsumerLoggingTests : IDisposable
{
    private static readonly TimeSpan Limit = ConsumerTestEnvironment.Limit;
    private readonly ConsumerTestEnvironment _env = new();

    public void Dispose() => _env.Dispose();

    [Fact]
    public async Task Log_file_gets_the_records_of_the_level_as_well_as_stderr()
    {
        var source = _env.WriteSource("Throwing.cs", """
            public sealed class Throwing(JsonObject c) : UserDataProcessor(c)
            {
                public override PvValue? GetInputPvObjectType() => new PvValue(PvType.Builder().Add("uniqueId", ScalarType.Int).Build());
                public override PvValue? Process(PvValue v) => throw new InvalidOperationException("no");
            }
            """);
        var log = Path.Combine(_env.Scratch, "logs", "consumer.log");
        using var consumer = RunningTool.Start(_env.Variables, "consumer", "-im", "pvas", "-ic", "l1:input", "-pf", source, "-pc", "Throwing",
            "-ll", "info", "--log-f", log, "-rp", "1", "-rs", "processor");
        await _env.WaitForAsync("l1:input", "uniqueId 0");
        var put = await Tool.RunAsync(_env.Variables, Limit, "put", "l1:input", """{"uniqueId":1}""");
        Assert.True(put.ExitCode == 0, put.ToString());
        await consumer.StdoutLineAsync(l => l.Contains("'nErrors': 1,", StringComparison.Ordinal), Limit);
        await consumer.StderrLineAsync(l => l.Contains("Processing error: no", StringComparison.Ordinal), Limit);

        var lines = await ReadSharedAsync(log);
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} consumer-1 INFO: Started hpc consumer 1$", lines.First(l => l.Contains("Started", StringComparison.Ordinal)));
        var error = lines.FindIndex(l => l.EndsWith(" consumer-1 ERROR: Processing error: no (further InvalidOperationException errors are counted, not logged)", StringComparison.Ordinal));
        Assert.True(error >= 0, string.Join('\n', lines));
        Assert.StartsWith("System.InvalidOperationException: no", lines[error + 1]); // the stack follows
    }

    [Fact]
    public void Log_file_is_rotated_when_the_day_changes()
    {
        var path = Path.Combine(_env.Scratch, "rotating.log");
        var now = new DateTime(2026, 3, 1, 23, 59, 58, DateTimeKind.Local);
        using (var sink = new ConsumerLogging(path, () => now))
        {
            var logger = sink.CreateLogger("consumer-1");
            logger.LogWarning("before midnight");
            now = now.AddSeconds(5);
            logger.LogError("after midnight");
        }

        Assert.EndsWith("consumer-1 WARNING: before midnight", Assert.Single(File.ReadAllLines(path + ".2026-03-01")));
        Assert.Equal("2026-03-02 00:00:03,000 consumer-1 ERROR: after midnight", Assert.Single(File.ReadAllLines(path)));
    }

    [Fact]
    public void Live_table_shows_the_selected_sections_one_statistic_per_row()
    {
        var stats = new ConsumerStatistics
        {
            ConsumerId = 3,
            InputChannel = "t:image",
            Received = 12,
            Processor = new ProcessorStatistics { Processed = 11, Missed = 1 },
            User = new Dictionary<string, object>(),
            Metadata = [],
        };
        var text = new StringWriter();
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(text), Ansi = AnsiSupport.No, ColorSystem = ColorSystemSupport.NoColors });
        console.Profile.Width = 120;
        console.Write(ConsumerLiveTable.Build(stats, ["processor"]));
        var table = text.ToString();
        Assert.Contains("pvstream consumer 3: t:image", table);
        Assert.Matches(@"processor\s+│ endTime", table);
        Assert.Matches(@"│ nProcessed\s+│\s+11 │", table);
        Assert.Matches(@"│ nMissed\s+│\s+1 │", table);
        Assert.DoesNotContain("nReceived", table); // receiver section filtered out
    }

    private static async Task<List<string>> ReadSharedAsync(string path)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        var lines = new List<string>();
        while (await reader.ReadLineAsync() is { } line)
        {
            lines.Add(line);
        }

        return lines;
    }
}
