namespace MoreauGen.Data;

/// <summary>
/// Writes a file so that readers see either its previous contents or the complete new contents, never a part:
/// the bytes go to a temporary file in the same folder, are flushed to the disk by <see cref="Commit"/>, and the
/// temporary file is then renamed over the target (a rename within one file system is atomic). Disposing without
/// committing — an exception while writing, say — deletes the temporary file and leaves the target as it was.
/// </summary>
/// <example>
/// <code>
/// using (var file = AtomicFile.Create(path))
/// {
///     file.Stream.Write(bytes);
///     file.Commit();
/// }
/// </code>
/// </example>
public sealed class AtomicFile : IDisposable
{
    private readonly FileStream _stream;
    private bool _committed;
    private bool _disposed;

    private AtomicFile(string targetPath, string temporaryPath, FileStream stream)
    {
        TargetPath = targetPath;
        TemporaryPath = temporaryPath;
        _stream = stream;
    }

    /// <summary>The full path of the file that <see cref="Commit"/> creates or replaces.</summary>
    public string TargetPath { get; }

    /// <summary>The full path of the hidden temporary file being written (same folder as the target).</summary>
    public string TemporaryPath { get; }

    /// <summary>Where to write the new contents. Leave it open (e.g. <c>new StreamWriter(file.Stream, leaveOpen: true)</c>).</summary>
    public Stream Stream
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _stream;
        }
    }

    /// <summary>
    /// Starts replacing <paramref name="path"/>: opens a new temporary file beside it. The folder must exist
    /// (<see cref="DirectoryNotFoundException"/> otherwise).
    /// </summary>
    public static AtomicFile Create(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string fullPath = Path.GetFullPath(path);
        string folder = Path.GetDirectoryName(fullPath)
            ?? throw new ArgumentException($"'{path}' names no file inside a folder.", nameof(path));
        if (!Directory.Exists(folder))
            throw new DirectoryNotFoundException($"Cannot write '{path}': the folder '{folder}' does not exist.");

        // A hidden, unique name in the same folder: the final rename stays inside one file system, so it is atomic,
        // and two writers of the same target never share a temporary file.
        string temporary = Path.Combine(folder, $".{Path.GetFileName(fullPath)}.{Guid.NewGuid():N}.tmp");
        var stream = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1 << 16);
        return new AtomicFile(fullPath, temporary, stream);
    }

    /// <summary>
    /// Creates or replaces <paramref name="path"/> with what <paramref name="write"/> writes to the stream it is given
    /// (leave that stream open). An exception from <paramref name="write"/> propagates after the temporary file is
    /// removed; the target is then unchanged.
    /// </summary>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentNullException.ThrowIfNull(write);
        using var file = Create(path);
        write(file.Stream);
        file.Commit();
    }

    /// <summary>Flushes the new contents to the disk, then renames the temporary file over the target.</summary>
    public void Commit()
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (_committed)
            throw new InvalidOperationException($"'{TargetPath}' has already been committed.");
        _stream.Flush(flushToDisk: true);
        _stream.Dispose();
        File.Move(TemporaryPath, TargetPath, overwrite: true);
        _committed = true;
    }

    /// <summary>Closes the temporary file and, unless <see cref="Commit"/> succeeded, deletes it.</summary>
    public void Dispose()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (_committed)
            return;
        try
        {
            _stream.Dispose(); // may flush buffered bytes, and fail for the same reason the write did
        }
        catch (IOException)
        {
        }
        TryDelete(TemporaryPath);
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the exception that stopped the write is the one the caller needs to see.
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
