using System.Diagnostics;
using System.Globalization;
using Epics.Pva.Data;
using Epics.Pva.Protocol;
using Epics.Pva.Tests.Conformance;

namespace Epics.Pva.Tests.Protocol;

/// <summary>
/// Mutation fuzzing of the type and value decoders, seeded with every message real EPICS peers sent in the conformance
/// captures plus built hostile descriptions. Whatever the bytes, a decoder may only throw <see cref="PvaProtocolException"/>,
/// and one message may only cost a bounded amount of memory. CI runs a fixed seed for a bounded number of cases;
/// <c>PVSTREAM_FUZZ_SEED</c>, <c>PVSTREAM_FUZZ_CASES</c> and <c>PVSTREAM_FUZZ_SECONDS</c> run it longer or elsewhere.
/// </summary>
public class DecoderFuzzTests
{
    private static readonly byte[] Interesting = [0x00, 0x01, 0x7F, 0x80, 0x81, 0x82, 0x83, 0x88, 0x89, 0x8A, 0xFC, 0xFD, 0xFE, 0xFF, 0x22, 0x4B, 0x60, 0x68];

    private static int Setting(string name, int fallback) =>
        int.TryParse(Environment.GetEnvironmentVariable(name), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v) ? v : fallback;

    private static List<byte[]> Seeds()
    {
        var seeds = new List<byte[]>();
        foreach (var capture in CaptureFiles.PvaCaptures())
        {
            foreach (var m in CaptureFiles.Load(capture))
            {
                if (m.Bytes.Length > 8 && m.Bytes.Length <= 64 * 1024)
                {
                    seeds.Add(m.Bytes[8..]);
                }
            }
        }

        seeds.Add(DecodeLimitsTests.CachedTypeBomb(10, 4, bigEndian: false));
        seeds.Add(DecodeLimitsTests.CachedTypeBomb(10, 4, bigEndian: true));
        return seeds;
    }

    private static byte[] Mutate(Random random, byte[] seed)
    {
        var bytes = new List<byte>(seed);
        var rounds = 1 + random.Next(8);
        for (var i = 0; i < rounds; i++)
        {
            var at = bytes.Count == 0 ? 0 : random.Next(bytes.Count);
            switch (random.Next(6))
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= (byte)(1 << random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[at] = Interesting[random.Next(Interesting.Length)];
                    break;
                case 2:
                    bytes.InsertRange(at, [0xFE, (byte)random.Next(256), (byte)random.Next(256), (byte)random.Next(256)]);
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveRange(at, Math.Min(bytes.Count - at, 1 + random.Next(16)));
                    break;
                case 4 when bytes.Count > 0:
                    var length = Math.Min(bytes.Count - at, 1 + random.Next(64));
                    bytes.InsertRange(random.Next(bytes.Count), bytes.GetRange(at, length));
                    break;
                default:
                    bytes.InsertRange(at, [0xFE, 0xFF, 0xFF, 0xFF, 0x7F]); // a huge Size
                    break;
            }
        }

        return [.. bytes];
    }

    // Decodes the bytes as what peers send after a header: types, values of those types (whole or by BitSet), again and
    // again from several starting points, each with a fresh connection cache.
    private static void Decode(byte[] payload, bool bigEndian, int start)
    {
        var reader = new PvaReader(payload.AsSpan(Math.Min(start, payload.Length)), bigEndian, new TypeRegistry());
        var scratch = new BitSet();
        while (!reader.IsEmpty)
        {
            var type = TypeCodec.Read(ref reader);
            if (type is null)
            {
                continue;
            }

            var value = new PvValue(type);
            ValueCodec.ReadFull(ref reader, value);
            if (!reader.IsEmpty)
            {
                ValueCodec.ReadPartial(ref reader, value, scratch);
            }

            value.Dispose();
        }
    }

    [Fact]
    public void Mutated_peer_messages_fail_only_with_protocol_errors_and_bounded_memory()
    {
        var seeds = Seeds();
        var seed = Setting("PVSTREAM_FUZZ_SEED", 20261206);
        var cases = Setting("PVSTREAM_FUZZ_CASES", 30_000);
        var budget = TimeSpan.FromSeconds(Setting("PVSTREAM_FUZZ_SECONDS", 20));
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        var protocolErrors = 0;
        var done = 0;
        for (; done < cases && clock.Elapsed < budget; done++)
        {
            var payload = Mutate(random, seeds[random.Next(seeds.Count)]);
            var bigEndian = random.Next(2) == 0;
            var start = random.Next(Math.Max(1, Math.Min(payload.Length, 32)));
            var before = GC.GetAllocatedBytesForCurrentThread();
            try
            {
                Decode(payload, bigEndian, start);
            }
            catch (PvaProtocolException)
            {
                protocolErrors++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {done} (seed {seed}): {e.GetType().Name}: {e.Message}\npayload {Convert.ToHexString(payload)}\n{e.StackTrace}");
            }

            // Value trees are bounded by PvaLimits.MaxMessageFields (about 16 MiB), arrays by the payload's own bytes.
            var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            Assert.True(allocated < 40L * 1024 * 1024 + 64L * payload.Length, $"case {done} (seed {seed}) allocated {allocated} bytes for {payload.Length}");
        }

        Assert.True(done >= Math.Min(cases, 1000), $"only {done} cases ran in {budget}");
        Assert.True(protocolErrors > 0);
    }
}
