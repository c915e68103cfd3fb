namespace MoreauGen.Samples.Common;

/// <summary>The folder a sample writes its CSV files, plots and checkpoints into, created and checked up front.</summary>
public sealed class OutputFolder
{
    private OutputFolder(string fullPath) => FullPath = fullPath;

    /// <summary>The folder's absolute path.</summary>
    public string FullPath { get; }

    /// <summary>
    /// Creates <paramref name="path"/> (with its parents) if needed and checks a file can be written there, so a run
    /// fails in its first second rather than after an hour of training.
    /// </summary>
    /// <exception cref="OutputFolderException">The folder cannot be created or written to; the message says why.</exception>
    public static OutputFolder Prepare(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath;
        try
        {
            fullPath = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new OutputFolderException(path, $"'{path}' is not a valid folder path ({e.Message})", e);
        }
        if (File.Exists(fullPath))
            throw new OutputFolderException(path, $"'{fullPath}' is a file, not a folder");
        try
        {
            Directory.CreateDirectory(fullPath);
            string probe = Path.Combine(fullPath, $".write-test-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new OutputFolderException(path, $"cannot create or write to '{fullPath}' ({e.Message})", e);
        }
        return new OutputFolder(fullPath);
    }

    /// <summary>The full path of <paramref name="fileName"/> inside the folder.</summary>
    public string PathOf(string fileName)
    {
        ArgumentException.ThrowIfNullOrEmpty(fileName);
        return Path.Combine(FullPath, fileName);
    }

    /// <inheritdoc/>
    public override string ToString() => FullPath;
}

/// <summary>The output folder cannot be used; the message names it, says why, and suggests choosing another.</summary>
public sealed class OutputFolderException : IOException
{
    /// <summary>Creates the exception for <paramref name="path"/>; <paramref name="reason"/> completes "Cannot use the output folder: …".</summary>
    public OutputFolderException(string path, string reason, Exception? innerException = null)
        : base($"Cannot use the output folder: {reason}. Choose another folder (--out DIR).", innerException)
    {
        Path = path;
    }

    /// <summary>The folder as the user gave it.</summary>
    public string Path { get; }
}
