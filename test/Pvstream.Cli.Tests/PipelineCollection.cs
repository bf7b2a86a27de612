namespace Pvstream.Cli.Tests;

/// <summary>
/// Tests that start whole pipelines (up to a dozen processes that must keep pace with a simulated detector) run on
/// their own, after the other test classes, so that CPU taken by parallel tests does not show up as lost frames.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class PipelineCollection
{
    public const string Name = "Pipelines";
}
