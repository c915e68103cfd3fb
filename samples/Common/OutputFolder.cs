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

    /// <summary>
    /// Checks up front that the file <paramref name="path"/> can be written: a valid path, not a folder, its folder
    /// created if needed, and a file can be created beside it (the samples write through a temporary file and a
    /// rename). Returns the full path.
    /// </summary>
    /// <param name="path">The file as the user gave it (or as derived from the output folder).</param>
    /// <param name="option">The option that sets it, for the message, e.g. "--checkpoint".</param>
    /// <exception cref="IOException">The file cannot be written; the one-line message says why and which option to change.</exception>
    public static string PrepareFile(string path, string option)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(option);
        string full;
        try
        {
            full = Path.GetFullPath(path);
        }
        catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
        {
            throw new IOException($"Cannot use '{path}' ({e.Message}): choose another path with {option}.", e);
        }

        if (Directory.Exists(full))
            throw new IOException($"Cannot write '{full}': it is a folder. Give a file path with {option}.");
        string folder = Path.GetDirectoryName(full) ?? full;
        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".write-test-{Guid.NewGuid():N}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
            if (File.Exists(full) && File.GetAttributes(full).HasFlag(FileAttributes.ReadOnly))
                throw new IOException("the file is read-only");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Cannot write '{full}' ({e.Message.TrimEnd('.')}): choose another path with {option}.", e);
        }

        return full;
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
