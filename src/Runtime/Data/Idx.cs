using System.Buffers.Binary;
using System.IO.Compression;
using System.Numerics;
using System.Numerics.Tensors;

namespace MoreauGen.Data;

/// <summary>
/// Images read from an IDX file: <see cref="Count"/> images of <see cref="Rows"/> × <see cref="Columns"/> pixels,
/// stored back to back in row-major order in <see cref="Pixels"/> (length Count·Rows·Columns).
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
public sealed class IdxImages<T> where T : unmanaged, IFloatingPointIeee754<T>
{
    internal IdxImages(int count, int rows, int columns, T[] pixels)
    {
        Count = count;
        Rows = rows;
        Columns = columns;
        Pixels = pixels;
    }

    /// <summary>Number of images n.</summary>
    public int Count { get; }

    /// <summary>Pixel rows per image.</summary>
    public int Rows { get; }

    /// <summary>Pixel columns per image.</summary>
    public int Columns { get; }

    /// <summary>Pixels per image, Rows·Columns.</summary>
    public int PixelsPerImage => Rows * Columns;

    /// <summary>
    /// All pixels, n × rows × columns row-major, each the stored byte divided by 255: intensities in [0, 1].
    /// </summary>
    public T[] Pixels { get; }
}

/// <summary>
/// Reads and writes IDX files (the MNIST family's format): a big-endian header — two zero bytes, an element-type
/// byte (0x08 = unsigned byte), the number of dimensions, then each dimension as a big-endian int32 — followed by
/// the elements. Images are <c>0x00000803</c> (n × rows × columns bytes), labels <c>0x00000801</c> (n bytes).
/// Files may be gzipped: a gzip stream is recognised by its magic bytes (1F 8B), whatever the file is named.
/// Every problem is reported as a <see cref="DataFileException"/> naming the file.
/// </summary>
public static class Idx
{
    /// <summary>Magic number of an IDX file of unsigned-byte images: n × rows × columns.</summary>
    public const int ImagesMagic = 0x00000803;

    /// <summary>Magic number of an IDX file of unsigned-byte labels: n.</summary>
    public const int LabelsMagic = 0x00000801;

    private const byte UnsignedByte = 0x08;

    /// <summary>
    /// Reads an images file (magic <see cref="ImagesMagic"/>), plain or gzipped, into <typeparamref name="T"/> pixels
    /// scaled to [0, 1] (byte / 255).
    /// </summary>
    /// <exception cref="DataFileException">The file is missing, truncated, not an u8 3-dimensional IDX file, or longer than its header says.</exception>
    public static IdxImages<T> ReadImages<T>(string path) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (dimensions, bytes) = ReadUnsignedBytes(path, ImagesMagic, "images (n × rows × columns)");
        return new IdxImages<T>(dimensions[0], dimensions[1], dimensions[2], ToUnitInterval<T>(bytes));
    }

    /// <summary>Pixel bytes as values in [0, 1]: each byte divided by 255 (exactly as the scalar division would).</summary>
    internal static T[] ToUnitInterval<T>(ReadOnlySpan<byte> bytes) where T : unmanaged, IFloatingPointIeee754<T>
    {
        var values = new T[bytes.Length];
        TensorPrimitives.ConvertChecked<byte, T>(bytes, values);
        TensorPrimitives.Divide<T>(values, T.CreateChecked(255), values);
        return values;
    }

    /// <summary>
    /// Reads a labels file (magic <see cref="LabelsMagic"/>), plain or gzipped, and checks every label lies in
    /// 0..<paramref name="classCount"/>−1. Returns one class index per sample.
    /// </summary>
    /// <exception cref="DataFileException">The file is missing, truncated, not an u8 1-dimensional IDX file, or holds a label out of range.</exception>
    public static int[] ReadLabels(string path, int classCount)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(classCount, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(classCount, 256);
        var (_, bytes) = ReadUnsignedBytes(path, LabelsMagic, "labels (n)");
        var labels = new int[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            int label = bytes[i];
            if (label >= classCount)
                throw new DataFileException(path, DataFileProblem.LabelOutOfRange,
                    $"'{path}': label {label} of sample {i} is outside the {classCount} classes 0..{classCount - 1}.");
            labels[i] = label;
        }
        return labels;
    }

    /// <summary>
    /// Reads an images file and its labels file as one data set of <c>rows·columns</c> features per sample, checking
    /// that both files hold the same number of samples.
    /// </summary>
    /// <exception cref="DataFileException">Either file is unusable (see <see cref="ReadImages{T}"/>, <see cref="ReadLabels"/>) or their sample counts differ.</exception>
    public static LabeledDataset<T> ReadLabeled<T>(string imagesPath, string labelsPath, int classCount)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        ReadLabeled<T>(imagesPath, labelsPath, classCount, int.MaxValue);

    /// <summary>ReadLabeled keeping only the first <paramref name="limit"/> samples (converting only those).</summary>
    internal static LabeledDataset<T> ReadLabeled<T>(string imagesPath, string labelsPath, int classCount, int limit)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        var (dimensions, pixels) = ReadUnsignedBytes(imagesPath, ImagesMagic, "images (n × rows × columns)");
        int[] labels = ReadLabels(labelsPath, classCount);
        if (labels.Length != dimensions[0])
            throw new DataFileException(labelsPath, DataFileProblem.DimensionMismatch,
                $"'{labelsPath}' holds {labels.Length} labels but '{imagesPath}' holds {dimensions[0]} images: " +
                "the two files do not belong together.");
        long pixelsPerImage = (long)dimensions[1] * dimensions[2];
        if (pixelsPerImage == 0 || pixelsPerImage > Array.MaxLength)
            throw new DataFileException(imagesPath, DataFileProblem.Malformed,
                $"'{imagesPath}' declares images of {dimensions[1]} × {dimensions[2]} pixels: the header is corrupt.");
        int perImage = (int)pixelsPerImage;
        int count = Math.Min(limit, labels.Length);
        if (count < labels.Length)
            labels = labels[..count];
        return new LabeledDataset<T>(ToUnitInterval<T>(pixels.AsSpan(0, count * perImage)), labels, perImage, classCount);
    }

    /// <summary>
    /// Writes <paramref name="count"/> images of <paramref name="rows"/> × <paramref name="columns"/> bytes
    /// (row-major, back to back) as an IDX images file, gzipped if <paramref name="gzip"/>. The write is atomic.
    /// </summary>
    public static void WriteImages(string path, ReadOnlySpan<byte> pixels, int count, int rows, int columns, bool gzip = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfNegative(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(columns);
        if ((long)count * rows * columns != pixels.Length)
            throw new ArgumentException($"pixels has {pixels.Length} bytes, not {count} × {rows} × {columns}.", nameof(pixels));
        Write(path, ImagesMagic, [count, rows, columns], pixels, gzip);
    }

    /// <summary>Writes one byte label per sample as an IDX labels file, gzipped if <paramref name="gzip"/>. The write is atomic.</summary>
    public static void WriteLabels(string path, ReadOnlySpan<byte> labels, bool gzip = false) =>
        Write(path, LabelsMagic, [labels.Length], labels, gzip);

    private static void Write(string path, int magic, ReadOnlySpan<int> dimensions, ReadOnlySpan<byte> data, bool gzip)
    {
        using var file = AtomicFile.Create(path);
        GZipStream? compressor = gzip ? new GZipStream(file.Stream, CompressionLevel.Optimal, leaveOpen: true) : null;
        try
        {
            Stream output = compressor ?? file.Stream;
            Span<byte> word = stackalloc byte[4];
            BinaryPrimitives.WriteInt32BigEndian(word, magic);
            output.Write(word);
            foreach (int dimension in dimensions)
            {
                BinaryPrimitives.WriteInt32BigEndian(word, dimension);
                output.Write(word);
            }
            output.Write(data);
        }
        finally
        {
            compressor?.Dispose(); // writes the gzip trailer into the still-open file stream
        }
        file.Commit();
    }

    /// <summary>Reads an u8 IDX file whose magic must be <paramref name="expectedMagic"/>; returns its dimensions and bytes.</summary>
    private static (int[] Dimensions, byte[] Data) ReadUnsignedBytes(string path, int expectedMagic, string expectedKind)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new DataFileException(path, DataFileProblem.Missing, $"'{path}' does not exist.");

        try
        {
            using var stream = OpenMaybeGzipped(path);
            Span<byte> word = stackalloc byte[4];
            int read = ReadFully(stream, word);
            if (read < 4)
                throw Truncated(path, $"it ends after {read} byte(s), inside the 4-byte magic number");

            int magic = BinaryPrimitives.ReadInt32BigEndian(word);
            int expectedDimensions = expectedMagic & 0xFF;
            if (word[0] != 0 || word[1] != 0)
                throw new DataFileException(path, DataFileProblem.WrongMagic,
                    $"'{path}' is not an IDX file: it starts with 0x{magic:X8}, expected 0x{expectedMagic:X8} ({expectedKind}).");
            if (word[2] != UnsignedByte)
                throw new DataFileException(path, DataFileProblem.ElementTypeMismatch,
                    $"'{path}' stores {ElementTypeName(word[2])} elements (magic 0x{magic:X8}); only unsigned bytes " +
                    $"(0x08) are read, as in 0x{expectedMagic:X8} ({expectedKind}).");
            if (word[3] != expectedDimensions)
                throw new DataFileException(path, DataFileProblem.WrongMagic,
                    $"'{path}' has {word[3]} dimension(s) (magic 0x{magic:X8}); expected 0x{expectedMagic:X8} ({expectedKind}).");

            var dimensions = new int[expectedDimensions];
            long total = 1;
            for (int d = 0; d < dimensions.Length; d++)
            {
                read = ReadFully(stream, word);
                if (read < 4)
                    throw Truncated(path, $"its header ends inside dimension {d + 1} of {dimensions.Length}");
                dimensions[d] = BinaryPrimitives.ReadInt32BigEndian(word);
                if (dimensions[d] < 0)
                    throw new DataFileException(path, DataFileProblem.Malformed,
                        $"'{path}' declares a negative size ({dimensions[d]}) for dimension {d + 1}: the header is corrupt.");
                total *= dimensions[d];
                if (total > Array.MaxLength)
                    throw new DataFileException(path, DataFileProblem.Malformed,
                        $"'{path}' declares {Shape(dimensions, d + 1)} elements, more than one array can hold: the header is corrupt.");
            }

            var data = new byte[total];
            read = ReadFully(stream, data);
            if (read < data.Length)
                throw Truncated(path, $"it holds {read} of the {data.Length} data bytes its header declares ({Shape(dimensions, dimensions.Length)})");
            if (stream.ReadByte() >= 0)
                throw new DataFileException(path, DataFileProblem.TrailingData,
                    $"'{path}' holds more bytes than its header declares ({Shape(dimensions, dimensions.Length)}): " +
                    "the header or the file is corrupt.");
            return (dimensions, data);
        }
        catch (InvalidDataException e)
        {
            // GZipStream's word for a damaged compressed stream (a stream that merely stops early reads as truncated above).
            throw new DataFileException(path, DataFileProblem.Malformed,
                $"'{path}' is a damaged gzip stream ({e.Message}): the file is corrupt. Download or install it again.", e);
        }
    }

    private static Stream OpenMaybeGzipped(string path)
    {
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        try
        {
            int first = file.ReadByte();
            int second = file.ReadByte();
            file.Position = 0;
            return first == 0x1F && second == 0x8B
                ? new BufferedStream(new GZipStream(file, CompressionMode.Decompress), 1 << 16)
                : file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Reads until <paramref name="buffer"/> is full or the stream ends; returns the bytes read.</summary>
    private static int ReadFully(Stream stream, Span<byte> buffer)
    {
        int total = 0;
        while (total < buffer.Length)
        {
            int n = stream.Read(buffer[total..]);
            if (n == 0)
                break;
            total += n;
        }
        return total;
    }

    private static DataFileException Truncated(string path, string detail) =>
        new(path, DataFileProblem.Truncated, $"'{path}' is truncated: {detail}. Download or install it again.");

    private static string Shape(int[] dimensions, int count) => string.Join(" × ", dimensions.Take(count));

    private static string ElementTypeName(byte code) => code switch
    {
        0x08 => "unsigned byte (0x08)",
        0x09 => "signed byte (0x09)",
        0x0B => "int16 (0x0B)",
        0x0C => "int32 (0x0C)",
        0x0D => "float32 (0x0D)",
        0x0E => "float64 (0x0E)",
        _ => $"unknown (0x{code:X2})",
    };
}
