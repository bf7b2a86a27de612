using System.Diagnostics;
using System.Text.Json.Nodes;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Processors.Loading;

namespace Epics.Streaming.Processing.Tests;

public sealed class ProcessorLoaderTests : IDisposable
{
    private readonly string _scratch = RepoFiles.NewScratchDirectory();

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    private string Cache => Path.Combine(_scratch, "cache");

    private string Write(string name, string text)
    {
        var path = Path.Combine(_scratch, name);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void The_rotate_example_compiles_and_rotates()
    {
        var factory = ProcessorLoader.Resolve([RepoFiles.Example("HpcAdImageProcessor.cs")], "HpcAdImageProcessor", Cache);
        var processor = Assert.IsAssignableFrom<AdImageProcessor>(factory(new JsonObject { ["processorId"] = 1 }));
        processor.ResetStats();
        processor.Start();

        var frame = NTNDArray.Create(new ImageShape(3, 2), ScalarType.UShort);
        frame.UniqueId = 42;
        ushort[] pixels = [1, 2, 3, 4, 5, 6]; // rows (1 2 3) (4 5 6)
        pixels.CopyTo(frame.GetWritableImage<ushort>().GetWritablePixels());
        using var value = frame.Structure;
        processor.Process(value);

        var rotated = new NTNDArray(value);
        Assert.Equal(42, rotated.UniqueId);
        Assert.Equal(new ImageShape(2, 3), rotated.ImageShape);
        Assert.Equal([1, 4, 2, 5, 3, 6], rotated.GetImage<ushort>().Pixels.ToArray());
        Assert.Equal(1L, processor.GetStats()["nProcessed"]);
        Assert.Equal(ScalarType.UInt, processor.GetStatsPvaTypes()["nProcessed"]);
    }

    [Fact]
    public void A_compiled_processor_is_cached_by_content_and_loads_again_at_once()
    {
        var source = Write("P.cs", "public sealed class P(JsonObject c) : UserDataProcessor(c) { }");
        ProcessorLoader.Resolve([source], "P", Cache);
        var cached = Assert.Single(Directory.GetFiles(Cache, "*.dll"));

        var clock = Stopwatch.StartNew();
        var again = ProcessorLoader.Resolve([source], "P", Cache);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"cached load took {clock.Elapsed}");
        Assert.Equal("P", again([]).GetType().Name);
        Assert.Single(Directory.GetFiles(Cache, "*.dll"));

        File.AppendAllText(source, "\n// changed\n");
        ProcessorLoader.Resolve([source], "P", Cache);
        Assert.Equal(2, Directory.GetFiles(Cache, "*.dll").Length);

        // The cached assembly is a processor assembly like any other.
        Assert.Equal("P", ProcessorLoader.Resolve([cached], "P")([]).GetType().Name);
    }

    [Fact]
    public void Several_files_or_a_folder_compile_together()
    {
        var dir = Path.Combine(_scratch, "src");
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "A.cs"), "public sealed class A(JsonObject c) : UserDataProcessor(c) { public int Twice => Helper.Double(ProcessorId); }");
        File.WriteAllText(Path.Combine(dir, "Helper.cs"), "internal static class Helper { public static int Double(int x) => 2 * x; }");
        var p = ProcessorLoader.Resolve([dir], null, Cache)(new JsonObject { ["processorId"] = 4 });
        Assert.Equal(8, (int)p.GetType().GetProperty("Twice")!.GetValue(p)!);
    }

    [Fact]
    public void A_compile_error_gives_the_compilers_messages_with_file_line_and_column()
    {
        var source = Write("Bad.cs", "public sealed class Bad(JsonObject c) : UserDataProcessor(c)\n{\n    public override void Start() => Undefined();\n}\n");
        var e = Assert.Throws<ProcessorLoadException>(() => ProcessorLoader.Resolve([source], "Bad", Cache));
        var message = Assert.Single(e.CompilerMessages);
        Assert.Equal($"{source}:3:37: error CS0103: The name 'Undefined' does not exist in the current context", message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void Missing_classes_and_classes_that_are_not_processors_say_so()
    {
        var source = Write("Two.cs", "public sealed class Good(JsonObject c) : UserDataProcessor(c) { }\npublic sealed class NotOne { }\n");
        var missing = Assert.Throws<ProcessorLoadException>(() => ProcessorLoader.Resolve([source], "Nope", Cache));
        Assert.Equal($"Could not find class 'Nope' in {source} (processor classes there: Good)", missing.Message);
        var wrong = Assert.Throws<ProcessorLoadException>(() => ProcessorLoader.Resolve([source], "NotOne", Cache));
        Assert.Contains("'NotOne'", wrong.Message);
        Assert.Contains("does not derive from Epics.Streaming.Processing.UserDataProcessor", wrong.Message);
        var builtIn = Assert.Throws<ProcessorLoadException>(() => ProcessorLoader.Resolve([], "Nope"));
        Assert.StartsWith("Could not find processor class 'Nope': no --processor-file given and it is not a built-in (", builtIn.Message);
        var noFile = Assert.Throws<ProcessorLoadException>(() => ProcessorLoader.Resolve([Path.Combine(_scratch, "none.cs")], "X", Cache));
        Assert.StartsWith("Processor file not found: ", noFile.Message);
    }

    [Fact]
    public void Built_ins_and_the_reference_names_resolve_without_a_file()
    {
        Assert.IsType<AdImageProcessor>(ProcessorLoader.Resolve([], "pvapy.hpc.adImageProcessor.AdImageProcessor")([]));
        Assert.IsType<UserDataProcessor>(ProcessorLoader.Resolve([], "pvapy.hpc.userDataProcessor.UserDataProcessor")([]));
        Assert.IsType<UserDataProcessor>(ProcessorLoader.Resolve([], null)([]));
    }
}
