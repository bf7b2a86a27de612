using System.Globalization;
using Epics.Streaming.Consumer;
using Epics.Streaming.Processors.Loading;
using Microsoft.Extensions.Logging;

namespace Pvstream.Streaming;

/// <summary>
/// <c>--processor-reload</c>: watches the processor files and swaps each change that loads into the running consumer;
/// what happened goes to the log and to the status record's <c>processorReload</c> field. A change that does not
/// compile (or whose processor cannot be made or started) leaves the running processor in place, and the compiler's
/// messages are logged and shown in the status.
/// </summary>
internal static class ConsumerProcessorReload
{
    public static ProcessorFileWatcher Watch(DataConsumer consumer, IReadOnlyList<string> files, string? className, ILoggerFactory loggerFactory)
    {
        var logger = loggerFactory.CreateLogger($"processorReload-{consumer.Options.ConsumerId}");
        var watcher = new ProcessorFileWatcher(files, className);
        watcher.Reloaded += factory =>
        {
            try
            {
                consumer.ReplaceProcessor(factory);
                consumer.ProcessorReloadStatus = $"{Now()} reloaded {consumer.Processor.GetType().Name}";
                logger.LogInformation("Processor reloaded: {Class} from {Files}", consumer.Processor.GetType().Name, string.Join(", ", files));
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                var message = e is ProcessorLoadException ? e.Message : $"{e.GetType().Name}: {e.Message}";
                consumer.ProcessorReloadStatus = $"{Now()} reload failed, the running processor stays: {message}";
                logger.LogError(e, "Processor reload failed, the running processor stays: {Message}", message);
            }
        };
        watcher.ReloadFailed += e =>
        {
            consumer.ProcessorReloadStatus = $"{Now()} reload failed, the running processor stays: {e.Message}";
            logger.LogError("Processor reload failed, the running processor stays: {Message}", e.Message);
        };
        watcher.Start();
        return watcher;
    }

    private static string Now() => DateTime.Now.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);
}
