using Epics.Pva.Data;

namespace Pvstream.Cli;

/// <summary>Checks a <c>-r</c> pvRequest before any network traffic so that a typo is a bad-input error.</summary>
internal static class RequestText
{
    public static string? Validate(string? request)
    {
        if (string.IsNullOrWhiteSpace(request))
        {
            return null;
        }

        try
        {
            PvRequest.Parse(request).Dispose();
            return request;
        }
        catch (FormatException e)
        {
            throw new CliException($"Error: bad request '{request}': {e.Message}", ExitCodes.BadInput);
        }
    }
}
