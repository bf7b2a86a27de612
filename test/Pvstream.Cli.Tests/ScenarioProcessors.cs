namespace Pvstream.Cli.Tests;

/// <summary>
/// Checking processors for the end-to-end scenarios (C# sources compiled by the tool at start-up, like any
/// <c>--processor-file</c>): they observe what reaches a stage and publish their counts in the status channel.
/// </summary>
internal static class ScenarioProcessors
{
    /// <summary>
    /// FrameChecksums: for every image, a line "uniqueId NxxNy sha256-of-the-pixels" appended to the file named by
    /// <c>"file"</c> in its arguments (flushed at once, so the test can read it while the stage runs).
    /// </summary>
    public const string FrameChecksums = """
        public sealed class FrameChecksums : AdImageProcessor
        {
            private readonly StreamWriter _lines;
            private long _frames;
            public FrameChecksums(JsonObject c) : base(c) => _lines = new StreamWriter(c["file"]!.GetValue<string>()) { AutoFlush = true };
            public override PvValue? Process(PvValue v)
            {
                var info = Describe(v);
                if (info.ElementType is null || info.ImageId <= 0) return v; // a source's placeholder before its first frame
                var hash = System.Security.Cryptography.SHA256.HashData(new NTNDArray(v).Image.Bytes);
                _lines.WriteLine($"{info.ImageId} {info.Shape.Nx}x{info.Shape.Ny} {Convert.ToHexString(hash)}");
                _frames++;
                return v;
            }
            public override void Stop() => _lines.Dispose();
            public override IReadOnlyDictionary<string, object> GetStats() => new Dictionary<string, object> { ["nChecksums"] = _frames };
            public override IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => new Dictionary<string, ScalarType> { ["nChecksums"] = ScalarType.ULong };
        }
        """;

    /// <summary>
    /// OrderCheck: what a collector hands over, ids above 0 only (0 is a producer's value before its first object):
    /// the first and last id, distinct ids, ids that went backwards.
    /// </summary>
    public const string OrderCheck = """
        public sealed class OrderCheck(JsonObject c) : UserDataProcessor(c)
        {
            private long _previous = -1, _outOfOrder, _first = -1, _distinct;
            public override PvValue? Process(PvValue v)
            {
                var id = v[ObjectIdField].GetInt64();
                if (id <= 0) return v;
                if (id < _previous) _outOfOrder++;
                if (id != _previous) _distinct++;
                if (_first < 0) _first = id;
                _previous = id;
                return v;
            }
            public override IReadOnlyDictionary<string, object> GetStats() => new Dictionary<string, object>
            {
                ["nOutOfOrder"] = _outOfOrder, ["firstId"] = _first, ["lastId"] = _previous, ["nDistinct"] = _distinct,
            };
            public override IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => new Dictionary<string, ScalarType>
            {
                ["nOutOfOrder"] = ScalarType.ULong, ["firstId"] = ScalarType.Long, ["lastId"] = ScalarType.Long, ["nDistinct"] = ScalarType.ULong,
            };
        }
        """;

    /// <summary>
    /// AttributeCheck: images that carry every attribute named in <c>"names"</c> (comma-separated) and those lacking
    /// one, with the first id lacking one.
    /// </summary>
    public const string AttributeCheck = """
        public sealed class AttributeCheck(JsonObject c) : AdImageProcessor(c)
        {
            private readonly string[] _names = c["names"]!.GetValue<string>().Split(',');
            private long _complete, _lacking, _firstLacking = -1, _lastId = -1;
            public override PvValue? Process(PvValue v)
            {
                var frame = new NTNDArray(v);
                if (frame.DimensionCount == 0) return v;
                if (_names.All(n => frame.TryGetAttribute(n, out _))) _complete++;
                else { _lacking++; if (_firstLacking < 0) _firstLacking = frame.UniqueId; }
                _lastId = frame.UniqueId;
                return v;
            }
            public override IReadOnlyDictionary<string, object> GetStats() => new Dictionary<string, object>
            {
                ["nComplete"] = _complete, ["nLacking"] = _lacking, ["firstLackingId"] = _firstLacking, ["lastId"] = _lastId,
            };
            public override IReadOnlyDictionary<string, ScalarType> GetStatsPvaTypes() => new Dictionary<string, ScalarType>
            {
                ["nComplete"] = ScalarType.ULong, ["nLacking"] = ScalarType.ULong, ["firstLackingId"] = ScalarType.Long, ["lastId"] = ScalarType.Long,
            };
        }
        """;
}
