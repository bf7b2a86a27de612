namespace Epics.Pva.Throughput;

/// <summary>Reads a command line from stdin on a dedicated thread: a blocked thread-pool thread would starve the
/// 2-core pool the PVA stack runs on and show up as stalls.</summary>
internal static class StdinLine
{
    public static Task<string?> ReadAsync() => Task.Factory.StartNew(Console.ReadLine, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
