namespace MoreauGen.Distributed;

/// <summary>Open MPI's library could not be loaded or lacks a symbol this binding needs; the message says what to install.</summary>
public sealed class MpiUnavailableException : Exception
{
    /// <summary>Creates the exception with <paramref name="message"/>.</summary>
    public MpiUnavailableException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with <paramref name="message"/> and the loader's error.</summary>
    public MpiUnavailableException(string message, Exception inner)
        : base(message, inner)
    {
    }

    /// <summary>Creates the exception with a default message.</summary>
    public MpiUnavailableException()
        : base("Open MPI is not available.")
    {
    }
}
