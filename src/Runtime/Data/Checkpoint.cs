using System.Buffers.Binary;
using System.Globalization;
using System.IO.Hashing;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace MoreauGen.Data;

/// <summary>The IEEE element type of a checkpoint's parameters.</summary>
public enum CheckpointElementType : byte
{
    /// <summary>float (4 bytes).</summary>
    Float32 = 1,
    /// <summary>double (8 bytes).</summary>
    Float64 = 2,
}

/// <summary>What a checkpoint file says about itself (everything but the parameters).</summary>
/// <param name="Path">The file, as the caller named it.</param>
/// <param name="Version">Format version it was written with.</param>
/// <param name="ElementType">Element type of the parameters.</param>
/// <param name="ParameterCount">Number of parameters |w|.</param>
/// <param name="Shape">The network's shape signature, e.g. "784-500-300-100-10" (see <see cref="Checkpoint.ShapeOf"/>).</param>
/// <param name="Metadata">Free-form key/value pairs saved with it (e.g. epoch, method), keys in ordinal order.</param>
public sealed record CheckpointInfo(string Path, int Version, CheckpointElementType ElementType, long ParameterCount,
                                    string Shape, IReadOnlyDictionary<string, string> Metadata);

/// <summary>
/// Saves and loads a network's flat parameter vector w with a description of the network, crash-safely.
/// </summary>
/// <remarks>
/// <para>Saving writes a temporary file in the target's folder, flushes it to the disk and renames it over the
/// target (<see cref="AtomicFile"/>): a crash leaves the previous checkpoint in place, never half a file.</para>
/// <para>Loading checks, in this order, and rejects with a <see cref="DataFileException"/> naming the file and the
/// problem: missing file, wrong magic, unsupported version, truncated file (or a header whose lengths disagree with
/// the file's), checksum mismatch (corrupt), element type, then shape signature and parameter count against what the
/// caller expects. The caller's parameter span is written only after every check has passed.</para>
/// <para>Format (all integers little-endian): 8-byte magic <c>89 'M' 'G' 'C' 'K' 'P' 'T' 1A</c>; u32 version (1);
/// u32 header length H; u64 payload length P; H header bytes (u8 element type, u8 element size, i64 parameter count,
/// shape string, u32 metadata count, then key and value strings; each string is an u32 byte length and UTF-8);
/// P payload bytes (the parameters, IEEE 754 little-endian); u32 CRC-32 (IEEE) of every byte before it.</para>
/// </remarks>
public static class Checkpoint
{
    /// <summary>The format version this code writes and reads.</summary>
    public const int FormatVersion = 1;

    private const int PrefixLength = 24; // magic, version, header length, payload length
    private const int ChecksumLength = 4;
    private static ReadOnlySpan<byte> Magic => [0x89, (byte)'M', (byte)'G', (byte)'C', (byte)'K', (byte)'P', (byte)'T', 0x1A];

    /// <summary>The shape signature of a chain of layer widths, e.g. (784, 500, 10) → "784-500-10".</summary>
    public static string ShapeOf(params ReadOnlySpan<int> layerSizes)
    {
        var text = new StringBuilder();
        foreach (int size in layerSizes)
        {
            if (text.Length > 0)
                text.Append('-');
            text.Append(size.ToString(CultureInfo.InvariantCulture));
        }
        return text.ToString();
    }

    /// <summary>
    /// Saves <paramref name="parameters"/> (float or double) to <paramref name="path"/> with the network's
    /// <paramref name="shape"/> signature and optional <paramref name="metadata"/> (format the values with the
    /// invariant culture). The folder must exist. The previous file, if any, is replaced atomically.
    /// </summary>
    public static void Save<T>(string path, ReadOnlySpan<T> parameters, string shape,
                               IReadOnlyDictionary<string, string>? metadata = null)
        where T : unmanaged, IFloatingPointIeee754<T> =>
        Save(path, parameters, shape, metadata, wrapStream: null);

    /// <summary>Save, with a hook that wraps the output stream (tests use it to fail in the middle of a write).</summary>
    internal static void Save<T>(string path, ReadOnlySpan<T> parameters, string shape,
                                 IReadOnlyDictionary<string, string>? metadata, Func<Stream, Stream>? wrapStream)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(shape);
        var elementType = ElementTypeOf<T>();
        byte[] header = EncodeHeader(elementType, parameters.Length, shape, metadata);
        ReadOnlySpan<byte> payload = MemoryMarshal.AsBytes(parameters);
        if (!BitConverter.IsLittleEndian)
            throw new PlatformNotSupportedException("Checkpoints are written on little-endian machines only.");

        Span<byte> prefix = stackalloc byte[PrefixLength];
        Magic.CopyTo(prefix);
        BinaryPrimitives.WriteUInt32LittleEndian(prefix[8..], FormatVersion);
        BinaryPrimitives.WriteUInt32LittleEndian(prefix[12..], (uint)header.Length);
        BinaryPrimitives.WriteUInt64LittleEndian(prefix[16..], (ulong)payload.Length);

        var crc = new Crc32();
        crc.Append(prefix);
        crc.Append(header);
        crc.Append(payload);
        Span<byte> checksum = stackalloc byte[ChecksumLength];
        BinaryPrimitives.WriteUInt32LittleEndian(checksum, crc.GetCurrentHashAsUInt32());

        using var file = AtomicFile.Create(path);
        Stream output = wrapStream is null ? file.Stream : wrapStream(file.Stream);
        output.Write(prefix);
        output.Write(header);
        output.Write(payload);
        output.Write(checksum);
        output.Flush();
        file.Commit();
    }

    /// <summary>
    /// Loads the checkpoint at <paramref name="path"/> into <paramref name="parameters"/> after checking it is intact,
    /// holds <typeparamref name="T"/> values, and was written for the network <paramref name="expectedShape"/> with
    /// exactly <c>parameters.Length</c> parameters. On any failure <paramref name="parameters"/> is left untouched.
    /// </summary>
    /// <returns>The checkpoint's description (metadata such as the epoch it was saved at).</returns>
    /// <exception cref="DataFileException">The file is missing, not a checkpoint, of another version, truncated, corrupt, or for another element type or network.</exception>
    public static CheckpointInfo Load<T>(string path, string expectedShape, Span<T> parameters)
        where T : unmanaged, IFloatingPointIeee754<T>
    {
        ArgumentNullException.ThrowIfNull(expectedShape);
        byte[] bytes = ReadVerified(path, out var info, out int payloadOffset);
        var expectedType = ElementTypeOf<T>();
        if (info.ElementType != expectedType)
            throw new DataFileException(path, DataFileProblem.ElementTypeMismatch,
                $"Checkpoint '{path}' holds {Describe(info.ElementType)} parameters, but {Describe(expectedType)} were asked for: " +
                "load it with the element type it was saved with.");
        if (!string.Equals(info.Shape, expectedShape, StringComparison.Ordinal) || info.ParameterCount != parameters.Length)
            throw new DataFileException(path, DataFileProblem.ShapeMismatch,
                $"Checkpoint '{path}' was saved for network '{info.Shape}' with {info.ParameterCount} parameters, " +
                $"but this network is '{expectedShape}' with {parameters.Length}: use a checkpoint of this network, or another path.");
        bytes.AsSpan(payloadOffset, parameters.Length * Unsafe.SizeOf<T>()).CopyTo(MemoryMarshal.AsBytes(parameters));
        return info;
    }

    /// <summary>Reads and verifies (magic, version, length, checksum) the checkpoint at <paramref name="path"/> and returns its description.</summary>
    /// <exception cref="DataFileException">The file is missing, not a checkpoint, of another version, truncated or corrupt.</exception>
    public static CheckpointInfo ReadInfo(string path)
    {
        ReadVerified(path, out var info, out _);
        return info;
    }

    private static byte[] ReadVerified(string path, out CheckpointInfo info, out int payloadOffset)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
            throw new DataFileException(path, DataFileProblem.Missing, $"Checkpoint '{path}' does not exist.");

        byte[] bytes;
        using (var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1))
        {
            long length = stream.Length;
            Span<byte> prefix = stackalloc byte[PrefixLength];
            int read = stream.ReadAtLeast(prefix, PrefixLength, throwOnEndOfStream: false);
            int magicBytes = Math.Min(read, Magic.Length);
            if (!prefix[..magicBytes].SequenceEqual(Magic[..magicBytes]))
                throw new DataFileException(path, DataFileProblem.WrongMagic,
                    $"'{path}' is not a MoreauGen checkpoint: it does not start with the checkpoint magic number.");
            if (read < PrefixLength)
                throw new DataFileException(path, DataFileProblem.Truncated,
                    $"Checkpoint '{path}' is truncated: it has {read} bytes, fewer than its {PrefixLength}-byte prefix.");
            uint version = BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]);
            if (version != FormatVersion)
                throw new DataFileException(path, DataFileProblem.UnsupportedVersion,
                    $"Checkpoint '{path}' has format version {version}; this build reads version {FormatVersion} only.");
            ulong headerLength = BinaryPrimitives.ReadUInt32LittleEndian(prefix[12..]);
            ulong payloadLength = BinaryPrimitives.ReadUInt64LittleEndian(prefix[16..]);
            // The sum cannot overflow: the header length is < 2^32 and a payload this large is rejected first.
            ulong declared = payloadLength > long.MaxValue / 2 ? ulong.MaxValue : PrefixLength + headerLength + payloadLength + ChecksumLength;
            if ((ulong)length < declared)
                throw new DataFileException(path, DataFileProblem.Truncated,
                    $"Checkpoint '{path}' is truncated (or its header is corrupt): it has {length} bytes, its header declares {declared}.");
            if ((ulong)length > declared)
                throw new DataFileException(path, DataFileProblem.TrailingData,
                    $"Checkpoint '{path}' is corrupt: it has {length} bytes, more than the {declared} its header declares.");
            if (length > Array.MaxLength)
                throw new DataFileException(path, DataFileProblem.Malformed,
                    $"Checkpoint '{path}' is {length} bytes long, more than one array can hold.");

            bytes = new byte[length];
            prefix.CopyTo(bytes);
            stream.ReadExactly(bytes, PrefixLength, (int)length - PrefixLength);
        }

        int checkedLength = bytes.Length - ChecksumLength;
        uint stored = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(checkedLength));
        uint actual = Crc32.HashToUInt32(bytes.AsSpan(0, checkedLength));
        if (stored != actual)
            throw new DataFileException(path, DataFileProblem.ChecksumMismatch,
                $"Checkpoint '{path}' is corrupt: its CRC-32 is {actual:X8}, the stored one is {stored:X8}.");

        int headerLengthInt = (int)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(12));
        payloadOffset = PrefixLength + headerLengthInt;
        long payloadBytes = checkedLength - payloadOffset;
        info = DecodeHeader(path, bytes.AsSpan(PrefixLength, headerLengthInt), payloadBytes);
        return bytes;
    }

    private static byte[] EncodeHeader(CheckpointElementType elementType, int count, string shape,
                                       IReadOnlyDictionary<string, string>? metadata)
    {
        using var buffer = new MemoryStream();
        using (var writer = new BinaryWriter(buffer, Encoding.UTF8, leaveOpen: true))
        {
            writer.Write((byte)elementType);
            writer.Write((byte)SizeOf(elementType));
            writer.Write((long)count);
            WriteString(writer, shape);
            var pairs = metadata is null ? [] : metadata.OrderBy(p => p.Key, StringComparer.Ordinal).ToArray();
            writer.Write((uint)pairs.Length);
            foreach (var (key, value) in pairs)
            {
                ArgumentNullException.ThrowIfNull(key, nameof(metadata));
                ArgumentNullException.ThrowIfNull(value, nameof(metadata));
                WriteString(writer, key);
                WriteString(writer, value);
            }
        }
        return buffer.ToArray();
    }

    private static void WriteString(BinaryWriter writer, string text)
    {
        byte[] utf8 = Encoding.UTF8.GetBytes(text);
        writer.Write((uint)utf8.Length); // BinaryWriter is little-endian on every platform
        writer.Write(utf8);
    }

    private static CheckpointInfo DecodeHeader(string path, ReadOnlySpan<byte> header, long payloadBytes)
    {
        // The checksum has passed, so a failure here means the file was written by something else that used our magic.
        var reader = new HeaderReader(path, header);
        byte type = reader.Byte();
        byte size = reader.Byte();
        if (type is not ((byte)CheckpointElementType.Float32 or (byte)CheckpointElementType.Float64) || size != SizeOf((CheckpointElementType)type))
            throw reader.Malformed($"unknown element type {type} of {size} bytes");
        var elementType = (CheckpointElementType)type;
        long count = reader.Int64();
        if (count < 0 || count * size != payloadBytes)
            throw reader.Malformed($"{count} parameters of {size} bytes do not fill the {payloadBytes}-byte payload");
        string shape = reader.String();
        uint pairs = reader.UInt32();
        var metadata = new SortedDictionary<string, string>(StringComparer.Ordinal);
        for (uint i = 0; i < pairs; i++)
        {
            string key = reader.String();
            if (!metadata.TryAdd(key, reader.String()))
                throw reader.Malformed($"metadata key '{key}' appears twice");
        }
        if (!reader.AtEnd)
            throw reader.Malformed("the header has bytes after its last field");
        return new CheckpointInfo(path, FormatVersion, elementType, count, shape, metadata);
    }

    private ref struct HeaderReader(string path, ReadOnlySpan<byte> header)
    {
        private ReadOnlySpan<byte> _rest = header;

        public readonly bool AtEnd => _rest.IsEmpty;

        public byte Byte() => Take(1)[0];

        public uint UInt32() => BinaryPrimitives.ReadUInt32LittleEndian(Take(4));

        public long Int64() => BinaryPrimitives.ReadInt64LittleEndian(Take(8));

        public string String()
        {
            uint length = UInt32();
            if (length > (uint)_rest.Length)
                throw Malformed($"a string of {length} bytes runs past the header's end");
            return Encoding.UTF8.GetString(Take((int)length));
        }

        public readonly DataFileException Malformed(string detail) =>
            new(path, DataFileProblem.Malformed, $"Checkpoint '{path}' has a malformed header: {detail}.");

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count > _rest.Length)
                throw Malformed("it ends in the middle of a field");
            var taken = _rest[..count];
            _rest = _rest[count..];
            return taken;
        }
    }

    private static CheckpointElementType ElementTypeOf<T>() where T : unmanaged, IFloatingPointIeee754<T> =>
        typeof(T) == typeof(float) ? CheckpointElementType.Float32
        : typeof(T) == typeof(double) ? CheckpointElementType.Float64
        : throw new NotSupportedException($"Checkpoints hold float or double parameters, not {typeof(T).Name}.");

    private static int SizeOf(CheckpointElementType type) => type == CheckpointElementType.Float32 ? 4 : 8;

    private static string Describe(CheckpointElementType type) =>
        type == CheckpointElementType.Float32 ? "float (32-bit)" : "double (64-bit)";
}
