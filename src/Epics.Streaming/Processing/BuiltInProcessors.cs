using System.Text.Json.Nodes;

namespace Epics.Streaming.Processing;

/// <summary>
/// The processors available without a file, by class name: ours (<c>UserDataProcessor</c>, <c>AdImageProcessor</c>, with
/// or without the <c>Epics.Streaming.Processing.</c> namespace) and the reference's module paths
/// (<c>pvapy.hpc.userDataProcessor.UserDataProcessor</c>, <c>pvapy.hpc.adImageProcessor.AdImageProcessor</c>).
/// Hosts and later processor packs may add more.
/// </summary>
public static class BuiltInProcessors
{
    private static readonly Dictionary<string, Func<JsonObject, UserDataProcessor>> Factories = new(StringComparer.Ordinal)
    {
        ["UserDataProcessor"] = c => new UserDataProcessor(c),
        ["Epics.Streaming.Processing.UserDataProcessor"] = c => new UserDataProcessor(c),
        ["pvapy.hpc.userDataProcessor.UserDataProcessor"] = c => new UserDataProcessor(c),
        ["AdImageProcessor"] = c => new AdImageProcessor(c),
        ["Epics.Streaming.Processing.AdImageProcessor"] = c => new AdImageProcessor(c),
        ["pvapy.hpc.adImageProcessor.AdImageProcessor"] = c => new AdImageProcessor(c),
    };

    /// <summary>The names that resolve.</summary>
    public static IReadOnlyCollection<string> Names
    {
        get
        {
            lock (Factories)
            {
                return [.. Factories.Keys];
            }
        }
    }

    /// <summary>Makes <paramref name="name"/> resolve to <paramref name="factory"/>.</summary>
    public static void Register(string name, Func<JsonObject, UserDataProcessor> factory)
    {
        lock (Factories)
        {
            Factories[name] = factory;
        }
    }

    /// <summary>The factory of the built-in called <paramref name="name"/>, or null.</summary>
    public static Func<JsonObject, UserDataProcessor>? Find(string name)
    {
        lock (Factories)
        {
            return Factories.GetValueOrDefault(name);
        }
    }
}
