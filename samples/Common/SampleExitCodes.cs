namespace MoreauGen.Samples.Common;

/// <summary>
/// The exit codes every sample uses, so scripts can tell a bad option from a full disk or a diverged run. Each code
/// comes with a one-line message on standard error; none comes with a stack trace.
/// </summary>
public static class SampleExitCodes
{
    /// <summary>Everything asked for was done.</summary>
    public const int Success = 0;

    /// <summary>A bad option or value (NaN, 0, negative, out of range, not a number, too large for memory).</summary>
    public const int BadOption = 1;

    /// <summary>An output folder or file cannot be written, or an existing checkpoint would be replaced.</summary>
    public const int OutputError = 2;

    /// <summary>The data set is missing or unreadable.</summary>
    public const int DataError = 3;

    /// <summary>A checkpoint cannot be resumed (corrupt, for another network, or saved with other settings).</summary>
    public const int CheckpointError = 4;

    /// <summary>A run diverged: a NaN or an infinity stopped it, so its result is missing.</summary>
    public const int Diverged = 5;

    /// <summary>An internal error (a bug): the message names it; please report it.</summary>
    public const int InternalError = 70;

    /// <summary>Interrupted (Ctrl-C or SIGTERM) after saving what was finished; 128 + SIGINT, as shells expect.</summary>
    public const int Interrupted = 130;
}
