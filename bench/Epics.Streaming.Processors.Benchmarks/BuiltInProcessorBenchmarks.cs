using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json.Nodes;
using BenchmarkDotNet.Attributes;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;
using Epics.Pva.Data;
using Epics.Pva.Data.NT;
using Epics.Streaming.Processors.Encryption;
using Epics.Streaming.Processors.Hdf5;

namespace Epics.Streaming.Processors.Benchmarks;

/// <summary>
/// One 1 MiB frame (1024x512 uint16) through the encryptor's envelope (serialize, AES-256-GCM, RSA-OAEP key wrap) and
/// back, on one thread; and 64 such frames into an HDF5 file, beside the same bytes written as a plain file (the
/// ceiling of the disk and page cache). GB/s = 1 MiB (or 64 MiB) / Mean.
/// </summary>
[Config(typeof(Config))]
[MemoryDiagnoser]
public class BuiltInProcessorBenchmarks
{
    private readonly ArrayBufferWriter<byte> _scratch = new();
    private RSA _key = null!;
    private PvValue _frame = null!;
    private PvValue _envelope = null!;
    private string _directory = string.Empty;

    /// <summary>A key, a frame of random pixels, its envelope.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _key = RSA.Create(2048);
        var frame = NTNDArray.Create(new ImageShape(1024, 512), ScalarType.UShort);
        var pixels = PvArray.Allocate(ScalarType.UShort, 1024 * 512);
        new Random(1).NextBytes(pixels.WritableBytes);
        frame.SetImage(pixels, new ImageShape(1024, 512));
        frame.UniqueId = 1;
        _frame = frame.Structure;
        _envelope = EncryptedFrame.Encrypt(_frame, 1, _key, sign: false, _scratch);
        _directory = Path.Combine(Path.GetTempPath(), "pvstream-bench-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(_directory);
    }

    /// <summary>Cleans up.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _key.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Encrypt one 1 MiB frame.</summary>
    [Benchmark]
    public void Encrypt1MiB()
    {
        using var envelope = EncryptedFrame.Encrypt(_frame, 1, _key, sign: false, _scratch);
    }

    /// <summary>Decrypt (and check) one 1 MiB frame.</summary>
    [Benchmark]
    public void Decrypt1MiB()
    {
        using var frame = EncryptedFrame.Decrypt(_envelope, _key, requireSignature: false);
    }

    /// <summary>Write 64 frames of 1 MiB into one HDF5 file (the 64th frame completes it).</summary>
    [Benchmark]
    public void WriteHdf5File64MiB()
    {
        var writer = new Hdf5AdImageWriter(new JsonObject { ["outputDirectory"] = _directory, ["nImagesPerFile"] = 64 });
        for (var i = 0; i < 64; i++)
        {
            writer.Process(_frame);
        }
    }

    /// <summary>The same 64 MiB written as a plain file, 1 MiB per write: what the disk and page cache allow.</summary>
    [Benchmark(Baseline = true)]
    public void WritePlainFile64MiB()
    {
        var pixels = new NTNDArray(_frame).Image.Bytes;
        using var file = File.OpenHandle(Path.Combine(_directory, "plain.bin"), FileMode.Create, FileAccess.Write);
        for (var i = 0; i < 64; i++)
        {
            RandomAccess.Write(file, pixels, (long)i * pixels.Length);
        }
    }

    private sealed class Config : ManualConfig
    {
        public Config() => AddJob(Job.Default.WithId("Quick").WithLaunchCount(1).WithWarmupCount(3).WithIterationCount(10)
            .WithToolchain(InProcessEmitToolchain.Instance)).AddColumn(StatisticColumn.Median, StatisticColumn.Min);
    }
}
