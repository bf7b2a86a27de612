using Epics.Streaming.Processing;
using Epics.Streaming.Processors.Encryption;
using Epics.Streaming.Processors.Files;
using Epics.Streaming.Processors.Hdf5;

namespace Epics.Streaming.Processors;

/// <summary>
/// Adds this assembly's processors to <see cref="BuiltInProcessors"/> under our names (short and namespace-qualified)
/// and the reference's module paths (<c>pvapy.hpc.adImageDataEncryptor.AdImageDataEncryptor</c>...). The processor
/// loader does it on first use; an AOT host calls <see cref="Register"/> itself.
/// </summary>
public static class BuiltInImageProcessors
{
    private static readonly Lazy<bool> Registered = new(() =>
    {
        Add("AdImageDataEncryptor", "adImageDataEncryptor", typeof(AdImageDataEncryptor), c => new AdImageDataEncryptor(c));
        Add("AdImageDataDecryptor", "adImageDataDecryptor", typeof(AdImageDataDecryptor), c => new AdImageDataDecryptor(c));
        Add("AdOutputFileProcessor", "adOutputFileProcessor", typeof(AdOutputFileProcessor), c => new AdOutputFileProcessor(c));
        Add("Hdf5AdImageWriter", "hdf5AdImageWriter", typeof(Hdf5AdImageWriter), c => new Hdf5AdImageWriter(c));
        return true;
    });

    /// <summary>Registers the processors (once; later calls do nothing).</summary>
    public static void Register() => _ = Registered.Value;

    private static void Add(string name, string referenceModule, Type type, Func<System.Text.Json.Nodes.JsonObject, UserDataProcessor> factory)
    {
        BuiltInProcessors.Register(name, factory);
        BuiltInProcessors.Register(type.FullName!, factory);
        BuiltInProcessors.Register($"pvapy.hpc.{referenceModule}.{name}", factory);
    }
}
