using System.Reflection;
using System.Runtime.Loader;
using System.Text.Json.Nodes;
using Epics.Streaming.Processing;

namespace Epics.Streaming.Processors.Loading;

/// <summary>
/// Finds the processor a consumer runs (framework.md §2.3): a built-in by class name (ours or the reference's module
/// path), a class in C# sources compiled at start-up (one or more <c>.cs</c> files or folders, compiled together against
/// the processor API; the assembly is cached by content hash, so a restart does not compile again), or a class in a
/// processor assembly (<c>.dll</c>). Each load gets its own collectible <see cref="AssemblyLoadContext"/>.
/// </summary>
public static class ProcessorLoader
{
    /// <summary>
    /// The factory of the processor <paramref name="className"/> in <paramref name="files"/> (none: a built-in). With
    /// files and no class name, the one class there deriving from <see cref="UserDataProcessor"/> is taken. With neither,
    /// the passthrough. <paramref name="cacheDirectory"/> holds compiled sources (null: a pvstream folder under the
    /// user's local application data).
    /// </summary>
    /// <exception cref="ProcessorLoadException">The files do not compile or load, or the class is missing or not a processor.</exception>
    public static Func<JsonObject, UserDataProcessor> Resolve(IReadOnlyList<string> files, string? className, string? cacheDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(files);
        if (files.Count == 0)
        {
            if (string.IsNullOrEmpty(className))
            {
                return c => new UserDataProcessor(c);
            }

            Epics.Streaming.Processors.BuiltInImageProcessors.Register();
            return BuiltInProcessors.Find(className)
                ?? throw new ProcessorLoadException(
                    $"Could not find processor class '{className}': no --processor-file given and it is not a built-in ({string.Join(", ", BuiltInProcessors.Names.Order(StringComparer.Ordinal))})");
        }

        var (assembly, source) = LoadAssembly(files, cacheDirectory);
        return FactoryFor(FindType(assembly, className, source));
    }

    /// <summary>The source files <paramref name="paths"/> name: files as given, folders searched for <c>*.cs</c> (sorted).</summary>
    public static IReadOnlyList<string> ExpandSources(IEnumerable<string> paths) =>
        [.. paths.SelectMany<string, string>(p => Directory.Exists(p)
            ? Directory.EnumerateFiles(p, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            : [p])];

    private static (Assembly Assembly, string Source) LoadAssembly(IReadOnlyList<string> files, string? cacheDirectory)
    {
        var paths = ExpandSources(files);
        foreach (var path in paths)
        {
            if (!File.Exists(path))
            {
                throw new ProcessorLoadException($"Processor file not found: {path}");
            }
        }

        var dlls = paths.Where(p => p.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).ToList();
        if (dlls.Count > 0)
        {
            if (dlls.Count != paths.Count || dlls.Count > 1)
            {
                throw new ProcessorLoadException("Give one processor assembly (.dll), or C# sources (.cs files or folders), not both");
            }

            return (LoadFrom(Path.GetFullPath(dlls[0])), dlls[0]);
        }

        if (paths.Count == 0)
        {
            throw new ProcessorLoadException($"No C# sources (*.cs) in {string.Join(", ", files)}");
        }

        var compiled = ProcessorCompiler.CompileCached(paths, cacheDirectory ?? DefaultCacheDirectory());
        return (LoadFrom(compiled), string.Join(", ", paths));
    }

    private static Assembly LoadFrom(string path)
    {
        try
        {
            var context = new AssemblyLoadContext($"processor {Path.GetFileName(path)}", isCollectible: true);
            return context.LoadFromAssemblyPath(path);
        }
        catch (Exception e) when (e is BadImageFormatException or FileLoadException or IOException)
        {
            throw new ProcessorLoadException($"Cannot load processor assembly {path}: {e.Message}", e);
        }
    }

    private static Type FindType(Assembly assembly, string? className, string source)
    {
        Type[] types;
        try
        {
            types = assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = [.. e.Types.OfType<Type>()];
        }

        var processors = types.Where(t => t is { IsClass: true, IsAbstract: false } && typeof(UserDataProcessor).IsAssignableFrom(t)).ToList();
        if (string.IsNullOrEmpty(className))
        {
            return processors.Count == 1
                ? processors[0]
                : throw new ProcessorLoadException(processors.Count == 0
                    ? $"No class deriving from {typeof(UserDataProcessor).FullName} in {source}"
                    : $"Several processor classes in {source} ({string.Join(", ", processors.Select(t => t.Name))}): choose one with --processor-class");
        }

        // "module.path.ClassName" as the reference writes it resolves by its last part too.
        var simple = className[(className.LastIndexOf('.') + 1)..];
        var type = types.FirstOrDefault(t => t.FullName == className)
            ?? types.FirstOrDefault(t => t.Name == className)
            ?? types.FirstOrDefault(t => t.Name == simple);
        if (type is null)
        {
            var known = processors.Count > 0 ? $" (processor classes there: {string.Join(", ", processors.Select(t => t.Name))})" : string.Empty;
            throw new ProcessorLoadException($"Could not find class '{className}' in {source}{known}");
        }

        if (!typeof(UserDataProcessor).IsAssignableFrom(type) || type.IsAbstract)
        {
            throw new ProcessorLoadException($"Class '{className}' in {source} does not derive from {typeof(UserDataProcessor).FullName} (or is abstract)");
        }

        return type;
    }

    private static Func<JsonObject, UserDataProcessor> FactoryFor(Type type)
    {
        if (type.GetConstructor([typeof(JsonObject)]) is { } withConfiguration)
        {
            return c => Construct(() => (UserDataProcessor)withConfiguration.Invoke([c]), type);
        }

        if (type.GetConstructor(Type.EmptyTypes) is { } plain)
        {
            return _ => Construct(() => (UserDataProcessor)plain.Invoke(null), type);
        }

        throw new ProcessorLoadException($"Class '{type.Name}' has no public constructor taking the configuration (JsonObject) or nothing");
    }

    private static UserDataProcessor Construct(Func<UserDataProcessor> create, Type type)
    {
        try
        {
            return create();
        }
        catch (TargetInvocationException e) when (e.InnerException is { } inner)
        {
            throw new ProcessorLoadException($"Could not create object instance of class {type.Name}: {inner.Message}", inner);
        }
    }

    private static string DefaultCacheDirectory() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData, Environment.SpecialFolderOption.Create), "pvstream", "processors");
}
