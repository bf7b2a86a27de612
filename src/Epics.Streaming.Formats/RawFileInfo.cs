using System.Globalization;
using Epics.Pva.Data;
using YamlDotNet.RepresentationModel;

namespace Epics.Streaming.Formats;

/// <summary>The <c>file_info</c> section of a <c>-cfg</c> YAML file.</summary>
internal sealed record RawFileInfo(ScalarType ElementType, long HeaderOffset, int Height, int Width, bool BigEndian, IReadOnlyList<string>? OrderedFiles)
{
    /// <summary>Reads <paramref name="path"/>; a missing or bad key is one clear error.</summary>
    public static RawFileInfo Load(string path)
    {
        YamlMappingNode info;
        try
        {
            using var reader = new StreamReader(path);
            var yaml = new YamlStream();
            yaml.Load(reader);
            var root = yaml.Documents.Count > 0 ? yaml.Documents[0].RootNode as YamlMappingNode : null;
            info = root is not null && root.Children.TryGetValue(new YamlScalarNode("file_info"), out var node) && node is YamlMappingNode m
                ? m
                : throw new StreamingConfigurationException($"{path}: no 'file_info' section");
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new StreamingConfigurationException($"{path}: invalid YAML: {e.Message}", e);
        }

        string? Get(string key) => info.Children.TryGetValue(new YamlScalarNode(key), out var v) ? (v as YamlScalarNode)?.Value : null;
        string Require(string key) => Get(key) ?? throw new StreamingConfigurationException($"{path}: file_info.{key} is missing");
        int Int(string key, string text) => int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var i) && i >= 0
            ? i
            : throw new StreamingConfigurationException($"{path}: file_info.{key} '{text}' is not a non-negative integer");

        var typeText = Require("datatype").Trim();
        var type = ParseType(typeText) ?? throw new StreamingConfigurationException($"{path}: unsupported datatype '{typeText}'");
        var endian = (Get("endian") ?? "little").Trim().ToLowerInvariant();
        if (endian is not ("little" or "big" or "<" or ">"))
        {
            throw new StreamingConfigurationException($"{path}: endian must be 'little' or 'big'");
        }

        var height = Int("height", Require("height"));
        var width = Int("width", Require("width"));
        if (height == 0 || width == 0)
        {
            throw new StreamingConfigurationException($"{path}: height and width must be positive");
        }

        IReadOnlyList<string>? ordered = null;
        if (info.Children.TryGetValue(new YamlScalarNode("ordered_files"), out var list) && list is YamlSequenceNode seq)
        {
            ordered = [.. seq.Children.OfType<YamlScalarNode>().Select(n => n.Value ?? string.Empty).Where(s => s.Length > 0)];
        }

        return new RawFileInfo(type, Int("header_offset", Get("header_offset") ?? "0"), height, width, endian is "big" or ">", ordered);
    }

    private static ScalarType? ParseType(string text)
    {
        var t = text.TrimStart('<', '>', '|', '=').ToLowerInvariant();
        if (t.StartsWith("np.", StringComparison.Ordinal))
        {
            t = t[3..];
        }

        return t switch
        {
            "int8" or "i1" => ScalarType.Byte,
            "uint8" or "u1" => ScalarType.UByte,
            "int16" or "i2" => ScalarType.Short,
            "uint16" or "u2" => ScalarType.UShort,
            "int32" or "i4" => ScalarType.Int,
            "uint32" or "u4" => ScalarType.UInt,
            "int64" or "i8" => ScalarType.Long,
            "uint64" or "u8" => ScalarType.ULong,
            "float32" or "f4" => ScalarType.Float,
            "float64" or "f8" => ScalarType.Double,
            _ => null,
        };
    }
}
