using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.RegularExpressions;

namespace Pvstream.Cli.Tests;

/// <summary>
/// The built-in processors end to end as processes: the reference's encrypt → decrypt → process chain behind
/// <c>ad-sim-server</c>, and an HDF5 writer fed by <c>ad-sim-server -hcm</c> from a bslz4 file.
/// </summary>
[Collection(PipelineCollection.Name)]
public sealed partial class BuiltInProcessorChainTests : IDisposable
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);
    private readonly string _scratch = Path.Combine(Path.GetTempPath(), "pvstream-chain-tests-" + Guid.NewGuid().ToString("N"));
    private readonly Dictionary<string, string> _env;

    public BuiltInProcessorChainTests()
    {
        Directory.CreateDirectory(_scratch);
        var udp = Pvstream.Testing.TestPorts.Next().ToString(CultureInfo.InvariantCulture);
        _env = new Dictionary<string, string>
        {
            ["EPICS_PVAS_INTF_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVAS_SERVER_PORT"] = "0",
            ["EPICS_PVAS_BROADCAST_PORT"] = udp,
            ["EPICS_PVA_BROADCAST_PORT"] = udp,
            ["EPICS_PVA_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_PVA_AUTO_ADDR_LIST"] = "NO",
            ["EPICS_PVAS_AUTO_BEACON_ADDR_LIST"] = "NO",
            ["EPICS_CAS_INTF_ADDR_LIST"] = "127.0.0.1",
            ["EPICS_CAS_SERVER_PORT"] = "0",
            ["LOCALAPPDATA"] = _scratch,
            ["XDG_DATA_HOME"] = _scratch,
        };
    }

    public void Dispose() => Directory.Delete(_scratch, recursive: true);

    [Fact]
    public async Task Encrypted_signed_frames_are_decrypted_verified_rotated_and_equal_the_source()
    {
        const int nx = 24, ny = 16;
        var key = Path.Combine(_scratch, "id_rsa");
        using (var rsa = RSA.Create(2048))
        {
            await File.WriteAllTextAsync(key, rsa.ExportPkcs8PrivateKeyPem());
        }

        var sourceDir = Directory.CreateDirectory(Path.Combine(_scratch, "source")).FullName;
        var finalDir = Directory.CreateDirectory(Path.Combine(_scratch, "final")).FullName;
        var binFiles = """, "outputFileNameFormat": "{uniqueId:06d}.bin"}""";
        // Frames start once every stage is up (the start delay), so the chain sees them all but the first one or two.
        using var sim = RunningTool.Start(_env, "ad-sim-server", "-cn", "c1:image", "-nx", $"{nx}", "-ny", $"{ny}", "-dt", "uint16",
            "-fps", "20", "-rt", "2", "-std", "15", "-shd", "1", "-dc", "-rp", "0");
        using var source = Consumer("-ic", "c1:image", "-pc", "pvapy.hpc.adOutputFileProcessor.AdOutputFileProcessor",
            "-pa", $$"""{"outputDirectory": "{{sourceDir}}"{{binFiles}}""");
        using var encryptor = Consumer("-ic", "c1:image", "-oc", "c1enc:*:output", "-pc", "pvapy.hpc.adImageDataEncryptor.AdImageDataEncryptor",
            "-pa", $$"""{"privateKeyFilePath": "{{key}}", "sign": true}""");
        using var decryptor = Consumer("-ic", "c1enc:1:output", "-oc", "c1dec:*:output", "--oid-field", "objectId",
            "-pc", "pvapy.hpc.adImageDataDecryptor.AdImageDataDecryptor", "-pa", $$"""{"privateKeyFilePath": "{{key}}", "verify": true}""");
        using var rotate = Consumer("-ic", "c1dec:1:output", "-oc", "c1rot:*:output", "-pf", Repository("examples", "processors", "HpcAdImageProcessor.cs"),
            "-pc", "HpcAdImageProcessor");
        using var final = Consumer("-ic", "c1rot:1:output", "-pc", "pvapy.hpc.adOutputFileProcessor.AdOutputFileProcessor",
            "-pa", $$"""{"outputDirectory": "{{finalDir}}"{{binFiles}}""");
        await Task.WhenAll(new[] { source, encryptor, decryptor, rotate, final }.Select(ReportedAsync));

        Assert.Equal(0, await sim.WaitForExitAsync(Limit));
        var sourceIds = await SettledAsync(sourceDir);
        var finalIds = await SettledAsync(finalDir);
        RunningTool[] consumers = [source, encryptor, decryptor, rotate, final];
        foreach (var consumer in consumers)
        {
            await InterruptAsync(consumer);
        }

        var context = decryptor.Transcript;
        Assert.True(sourceIds.Count >= 20, $"{sourceIds.Count} source frames\n{context}");
        // A stage's output record opens with its first frame, and the monitor of the stage after it starts only then
        // (a round trip later), so each hop may join a few frames late under load; from then on every frame must come.
        Assert.True(finalIds.Count > 0 && finalIds[0] <= sourceIds[0] + 20 && finalIds.SequenceEqual(sourceIds.Where(id => id >= finalIds[0])),
            $"final {string.Join(',', finalIds)} source {string.Join(',', sourceIds)}\n{context}");
        foreach (var id in finalIds)
        {
            var name = $"{id:D6}.bin";
            var original = MemoryMarshalUShorts(await File.ReadAllBytesAsync(Path.Combine(sourceDir, name)));
            var rotated = MemoryMarshalUShorts(await File.ReadAllBytesAsync(Path.Combine(finalDir, name)));
            Assert.Equal(nx * ny, original.Length);
            var expected = new ushort[original.Length];
            for (var y = 0; y < ny; y++)
            {
                for (var x = 0; x < nx; x++)
                {
                    expected[(x * ny) + y] = original[(y * nx) + x];
                }
            }

            Assert.True(expected.AsSpan().SequenceEqual(rotated), $"frame {id} differs");
        }

        Assert.Matches(@"'nDecrypted': [1-9]", context);
        Assert.DoesNotMatch(@"'nRejected': [1-9]", context);
        Assert.Matches($@"'nEncrypted': {sourceIds.Count}\b", encryptor.Transcript);
    }

    [Fact]
    public async Task An_hdf5_writer_fed_compressed_chunks_stores_them_identical_to_the_source_file()
    {
        var outDir = Directory.CreateDirectory(Path.Combine(_scratch, "h5")).FullName;
        var fixture = Fixture("compressed.h5");
        using var sim = RunningTool.Start(_env, "ad-sim-server", "-cn", "c2:image", "-if", fixture, "-hds", "/bslz4/blocks", "-hcm",
            "-fps", "10", "-rt", "1.5", "-std", "12", "-shd", "1", "-dc", "-rp", "0");
        using var writer = Consumer("-ic", "c2:image", "-pc", "pvapy.hpc.hdf5AdImageWriter.Hdf5AdImageWriter",
            "-pa", $$"""{"outputDirectory": "{{outDir}}", "nImagesPerFile": 4}""");
        await ReportedAsync(writer);
        Assert.Equal(0, await sim.WaitForExitAsync(Limit));
        await writer.StdoutLineAsync(l => NProcessed().Match(l) is { Success: true } m && m.Groups[1].Value != "0", Limit);
        await Task.Delay(TimeSpan.FromSeconds(2));
        await InterruptAsync(writer);

        var files = Directory.GetFiles(outDir, "*.hdf").Order(StringComparer.Ordinal).ToList();
        Assert.True(files.Count >= 2, writer.Transcript);

        // The chunks follow the 48-byte superblock in arrival order, each byte for byte the source file's chunk (the
        // fixture's digests come from libhdf5's H5Dread_chunk); the frames cycle through the dataset's two chunks.
        var digests = ChunkDigests(await File.ReadAllTextAsync(Fixture("compressed.chunks.json")), "bslz4/blocks");
        var frames = 0;
        foreach (var file in files)
        {
            var bytes = await File.ReadAllBytesAsync(file);
            var at = 48;
            var matched = 0;
            while (at < bytes.Length && frames + matched < 1000)
            {
                var k = digests.FindIndex(d => at + d.Length <= bytes.Length && d.Sha256 == Convert.ToHexStringLower(SHA256.HashData(bytes.AsSpan(at, d.Length))));
                if (k < 0)
                {
                    break;
                }

                at += digests[k].Length;
                matched++;
            }

            Assert.True(matched is > 0 and <= 4, $"{file}: {matched} source chunks at its start");
            frames += matched;
        }

        Assert.True(frames >= 8, $"{frames} frames written");
        if (TestFramesProcess("h5dump", $"-H -p {files[0]}", out var dump) == 0)
        {
            Assert.Contains("32008", dump, StringComparison.Ordinal);
            Assert.Contains("( 4, 64, 300 )", dump, StringComparison.Ordinal);
        }

        // h5py with hdf5plugin (and Debian's bitshuffle for the 32008 plugin): the frames decode to the source frames.
        var script = Path.Combine(_scratch, "check.py");
        await File.WriteAllTextAsync(script, """
            import sys, h5py, hdf5plugin
            source = h5py.File(sys.argv[1], 'r')['bslz4/blocks']
            if not h5py.h5z.filter_avail(32008):
                print('skip: no bitshuffle filter'); sys.exit(0)
            n = 0
            for path in sys.argv[2:]:
                with h5py.File(path, 'r') as f:
                    images = f['entry/data/images']
                    for i, uid in enumerate(f['entry/data/uniqueId'][...]):
                        k = (int(uid) - 1) % source.shape[0]
                        assert (images[i] == source[k]).all(), (path, i, uid)
                        assert images.id.read_direct_chunk((i, 0, 0)) == source.id.read_direct_chunk((k, 0, 0)), (path, i)
                        n += 1
            print('ok', n)
            """);
        var python = Environment.GetEnvironmentVariable("PVSTREAM_PVAPY_PYTHON") ?? "/usr/bin/python3";
        if (TestFramesProcess(python, "-c \"import h5py, hdf5plugin\"", out _) == 0)
        {
            Assert.True(TestFramesProcess(python, $"{script} {fixture} {string.Join(' ', files)}", out var output) == 0, output);
            Assert.True(output.StartsWith("skip", StringComparison.Ordinal) || output.Contains($"ok {frames}", StringComparison.Ordinal), output);
        }
    }

    private RunningTool Consumer(params string[] args) => RunningTool.Start(_env, ["consumer", "-rp", "1", .. args]);

    private static Task ReportedAsync(RunningTool consumer) =>
        consumer.StdoutLineAsync(l => l.Contains("'consumerId': ", StringComparison.Ordinal), Limit);

    private static async Task InterruptAsync(RunningTool tool)
    {
        using (var kill = Process.Start("kill", ["-INT", tool.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        Assert.True(await tool.WaitForExitAsync(TimeSpan.FromSeconds(20)) == 0, tool.Transcript);
    }

    // The ids of the files in directory once no new one has come for 3 s.
    private static async Task<List<long>> SettledAsync(string directory)
    {
        var deadline = DateTime.UtcNow + Limit;
        var last = -1;
        var quietSince = DateTime.UtcNow;
        while (DateTime.UtcNow < deadline)
        {
            var count = Directory.GetFiles(directory).Length;
            if (count != last)
            {
                last = count;
                quietSince = DateTime.UtcNow;
            }
            else if (DateTime.UtcNow - quietSince > TimeSpan.FromSeconds(3))
            {
                break;
            }

            await Task.Delay(250);
        }

        return Directory.GetFiles(directory).Select(f => long.Parse(Path.GetFileNameWithoutExtension(f), CultureInfo.InvariantCulture)).Order().ToList();
    }

    private static ushort[] MemoryMarshalUShorts(byte[] bytes) => System.Runtime.InteropServices.MemoryMarshal.Cast<byte, ushort>(bytes).ToArray();

    private static List<(int Length, string Sha256)> ChunkDigests(string json, string dataset)
    {
        var node = System.Text.Json.Nodes.JsonNode.Parse(json)![dataset]!.AsArray();
        return node.Select(c => ((int)c!["length"]!, (string)c["sha256"]!)).ToList();
    }

    private static int TestFramesProcess(string file, string arguments, out string output)
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo(file, arguments) { RedirectStandardOutput = true, RedirectStandardError = true })!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            if (!process.WaitForExit(60_000))
            {
                process.Kill(true);
                output = "timeout";
                return -1;
            }

            output = stdout.Result + stderr.Result;
            return process.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            output = e.Message;
            return -1;
        }
    }

    private static string Fixture(string name) => Repository("test", "Epics.Streaming.Tests", "Fixtures", name);

    private static string Repository(params string[] parts)
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "pvstream.slnx")))
        {
            dir = dir.Parent;
        }

        return Path.Combine([dir?.FullName ?? throw new DirectoryNotFoundException("pvstream.slnx not found above the tests"), .. parts]);
    }

    [GeneratedRegex(@"'nProcessed': (\d+)")]
    private static partial Regex NProcessed();
}
