namespace Pvstream.Cli.Tests;

/// <summary>
/// <c>--processor-reload</c> as a process: a processor source changed on disk while objects flow is swapped in (the old
/// one stopped, the new one started, the counters kept); a change that does not compile keeps the running one, and the
/// compiler's message shows in the log and the status.
/// </summary>
public sealed class ConsumerReloadTests : IDisposable
{
    private static readonly TimeSpan Limit = ConsumerTestEnvironment.Limit;
    private readonly ConsumerTestEnvironment _env = new();

    public void Dispose() => _env.Dispose();

    private static string Versioned(int version) => $$"""
        public sealed class Versioned(JsonObject c) : UserDataProcessor(c)
        {
            public override PvValue? GetInputPvObjectType() => new PvValue(PvType.Builder().Add("uniqueId", ScalarType.Int).Build());
            public override void Start() => Logger.LogWarning("version {{version}} started");
            public override void Stop() => Logger.LogWarning("version {{version}} stopped");
            public override IReadOnlyDictionary<string, object> GetStats() => new Dictionary<string, object> { ["version"] = {{version}} };
            public override IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => new Dictionary<string, ScalarType> { ["version"] = ScalarType.Int };
        }
        """;

    [Fact]
    public async Task A_changed_processor_file_is_swapped_in_and_one_that_does_not_compile_is_not()
    {
        var source = _env.WriteSource("Versioned.cs", Versioned(1));
        using var consumer = RunningTool.Start(_env.Variables, "consumer", "-im", "pvas", "-ic", "r1:input", "-sc", "r1:*:status",
            "-pf", source, "-pc", "Versioned", "--processor-reload", "-ll", "info", "-rp", "1", "-rs", "processor,user");
        await consumer.StderrLineAsync(l => l.Contains("version 1 started", StringComparison.Ordinal), Limit);
        await _env.WaitForAsync("r1:input", "uniqueId 0");
        await PutAsync(1);
        await consumer.StdoutLineAsync(l => l.Contains("'nProcessed': 1,", StringComparison.Ordinal) && l.Contains("'version': 1", StringComparison.Ordinal), Limit);

        _env.WriteSource("Versioned.cs", Versioned(2));
        await consumer.StderrLineAsync(l => l.Contains("version 1 stopped", StringComparison.Ordinal), Limit);
        await consumer.StderrLineAsync(l => l.Contains("version 2 started", StringComparison.Ordinal), Limit);
        await PutAsync(2);
        var line = await consumer.StdoutLineAsync(l => l.Contains("'nProcessed': 2,", StringComparison.Ordinal), Limit);
        Assert.Contains("'version': 2", line);
        Assert.Contains("'nMissed': 0,", line); // the id bookkeeping went on across the swap
        await _env.WaitForAsync("r1:1:status", "reloaded Versioned");

        File.WriteAllText(source, Versioned(3).Replace("=> new Dictionary", "=> new Dictionnary", StringComparison.Ordinal));
        var failed = await consumer.StderrLineAsync(l => l.Contains("Processor reload failed, the running processor stays", StringComparison.Ordinal), Limit);
        Assert.Matches(@"Versioned\.cs:6:\d+: error CS0246: ", failed);
        await _env.WaitForAsync("r1:1:status", "error CS0246");
        await PutAsync(3);
        line = await consumer.StdoutLineAsync(l => l.Contains("'nProcessed': 3,", StringComparison.Ordinal), Limit);
        Assert.Contains("'version': 2", line);
        Assert.DoesNotContain("version 2 stopped", consumer.Transcript);
    }

    private async Task PutAsync(int id)
    {
        var put = await Tool.RunAsync(_env.Variables, Limit, "put", "r1:input", $$"""{"uniqueId":{{id}}}""");
        Assert.True(put.ExitCode == 0, put.ToString());
    }
}
