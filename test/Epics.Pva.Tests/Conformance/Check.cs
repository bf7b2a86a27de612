namespace Epics.Pva.Tests.Conformance;

/// <summary>Assertions whose message is built only on failure (formatting types and values for every field is slow).</summary>
internal static class Check
{
    public static void That(bool condition, Func<string> message)
    {
        if (!condition)
        {
            Assert.Fail(message());
        }
    }
}
