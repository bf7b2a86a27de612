namespace Pvstream.Cli;

/// <summary>Process exit codes shared by every subcommand.</summary>
internal static class ExitCodes
{
    /// <summary>Done.</summary>
    public const int Success = 0;

    /// <summary>The operation failed: timeout (channel not found), server error, put rejected, connection lost.</summary>
    public const int Failure = 1;

    /// <summary>What the user typed cannot be used: bad pvRequest, malformed JSON or value, bad option or environment.</summary>
    public const int BadInput = 2;

    /// <summary>Interrupted (Ctrl-C) before the operation finished.</summary>
    public const int Interrupted = 130;
}
