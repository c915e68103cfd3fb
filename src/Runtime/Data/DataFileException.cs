namespace MoreauGen.Data;

/// <summary>What is wrong with a data or checkpoint file (see <see cref="DataFileException.Problem"/>).</summary>
public enum DataFileProblem
{
    /// <summary>The file does not exist.</summary>
    Missing,
    /// <summary>The file ends before its header or its data does.</summary>
    Truncated,
    /// <summary>The file does not start with the magic number of the expected format.</summary>
    WrongMagic,
    /// <summary>The file stores another element type than the one asked for (e.g. IDX int32 instead of u8, or a float64 checkpoint loaded as float32).</summary>
    ElementTypeMismatch,
    /// <summary>The file's dimensions disagree with another file or with what the caller expects (e.g. 60000 images but 59999 labels).</summary>
    DimensionMismatch,
    /// <summary>A label is outside 0..classCount−1.</summary>
    LabelOutOfRange,
    /// <summary>The file holds more bytes than its header declares.</summary>
    TrailingData,
    /// <summary>The file was written by a newer (or unknown) version of the format.</summary>
    UnsupportedVersion,
    /// <summary>The stored checksum does not match the contents: the file is corrupt.</summary>
    ChecksumMismatch,
    /// <summary>A checkpoint was written for another network (shape signature or parameter count differs).</summary>
    ShapeMismatch,
    /// <summary>The header holds values that cannot be valid (e.g. a negative length).</summary>
    Malformed,
}

/// <summary>
/// A data file (IDX images or labels) or a checkpoint that cannot be used. The message names the file and says
/// what is wrong in terms a user can act on; <see cref="Path"/> and <see cref="Problem"/> carry the same facts for code.
/// </summary>
public sealed class DataFileException : IOException
{
    /// <summary>Creates the exception; <paramref name="message"/> should already name the file.</summary>
    public DataFileException(string path, DataFileProblem problem, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        Path = path;
        Problem = problem;
    }

    /// <summary>The file the problem was found in, as the caller named it.</summary>
    public string Path { get; }

    /// <summary>What is wrong with the file.</summary>
    public DataFileProblem Problem { get; }
}
