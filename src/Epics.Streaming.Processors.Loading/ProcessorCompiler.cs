using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Epics.Streaming.Processing;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace Epics.Streaming.Processors.Loading;

/// <summary>
/// Compiles processor sources with Roslyn against the processor API (the core streaming assembly, Epics.Pva, logging
/// abstractions and the .NET runtime), with the usual implicit usings plus the processor and frame namespaces, into an
/// assembly cached under a hash of the sources, the compiler and the API, so an unchanged processor loads at once.
/// </summary>
internal static class ProcessorCompiler
{
    private const string GlobalUsings = """
        global using System;
        global using System.Collections.Generic;
        global using System.IO;
        global using System.Linq;
        global using System.Threading;
        global using System.Threading.Tasks;
        global using System.Text.Json.Nodes;
        global using Epics.Pva.Data;
        global using Epics.Pva.Data.NT;
        global using Epics.Streaming.Processing;
        global using Microsoft.Extensions.Logging;
        """;

    private static readonly Assembly[] ApiAssemblies =
    [
        typeof(UserDataProcessor).Assembly,
        typeof(Epics.Pva.Data.PvValue).Assembly,
        typeof(Microsoft.Extensions.Logging.ILogger).Assembly,
    ];

    /// <summary>The path of the compiled assembly for <paramref name="sources"/>, compiling only when the cache lacks it.</summary>
    public static string CompileCached(IReadOnlyList<string> sources, string cacheDirectory)
    {
        var texts = sources.Select(p => (Path: p, Text: File.ReadAllText(p))).ToList();
        var hash = Hash(texts);
        var target = Path.Combine(cacheDirectory, $"processor-{hash}.dll");
        if (File.Exists(target))
        {
            return target;
        }

        var trees = texts.Select(t => CSharpSyntaxTree.ParseText(t.Text, ParseOptions, Path.GetFullPath(t.Path), Encoding.UTF8))
            .Append(CSharpSyntaxTree.ParseText(GlobalUsings, ParseOptions))
            .ToList();
        var compilation = CSharpCompilation.Create($"processor-{hash}", trees, References(), new CSharpCompilationOptions(
            OutputKind.DynamicallyLinkedLibrary, optimizationLevel: OptimizationLevel.Release, nullableContextOptions: NullableContextOptions.Enable));
        using var image = new MemoryStream();
        var result = compilation.Emit(image);
        if (!result.Success)
        {
            var errors = result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(Describe).ToList();
            throw new ProcessorLoadException($"Processor does not compile ({errors.Count} error(s)):{Environment.NewLine}{string.Join(Environment.NewLine, errors)}", errors);
        }

        Directory.CreateDirectory(cacheDirectory);
        var temporary = target + "." + Guid.NewGuid().ToString("N") + ".tmp";
        File.WriteAllBytes(temporary, image.ToArray());
        File.Move(temporary, target, overwrite: true); // another process compiling the same sources writes the same bytes
        return target;
    }

    /// <summary><c>file:line:column: error CSnnnn: text</c> (1-based line and column).</summary>
    public static string Describe(Diagnostic diagnostic)
    {
        var span = diagnostic.Location.GetLineSpan();
        var where = span.IsValid ? $"{span.Path}:{span.StartLinePosition.Line + 1}:{span.StartLinePosition.Character + 1}: " : string.Empty;
        return $"{where}{diagnostic.Severity.ToString().ToLowerInvariant()} {diagnostic.Id}: {diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture)}";
    }

    private static CSharpParseOptions ParseOptions { get; } = new(LanguageVersion.Latest);

    private static List<MetadataReference> References()
    {
        var runtime = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
        var files = Directory.EnumerateFiles(runtime, "*.dll")
            .Where(f => Path.GetFileName(f) is var n && (n.StartsWith("System.", StringComparison.Ordinal) || n is "mscorlib.dll" or "netstandard.dll"))
            .Concat(ApiAssemblies.Select(a => a.Location))
            .Distinct(StringComparer.Ordinal);
        var references = new List<MetadataReference>();
        foreach (var file in files)
        {
            try
            {
                references.Add(MetadataReference.CreateFromFile(file));
            }
            catch (BadImageFormatException)
            {
                // native helpers that live next to the managed assemblies
            }
        }

        return references;
    }

    private static string Hash(List<(string Path, string Text)> texts)
    {
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        void Add(string s) => sha.AppendData(Encoding.UTF8.GetBytes(s + "\0"));
        Add(typeof(CSharpCompilation).Assembly.GetName().Version?.ToString() ?? string.Empty);
        foreach (var api in ApiAssemblies)
        {
            Add(api.ManifestModule.ModuleVersionId.ToString());
        }

        foreach (var (path, text) in texts)
        {
            Add(Path.GetFullPath(path));
            Add(text);
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset())[..32];
    }
}
