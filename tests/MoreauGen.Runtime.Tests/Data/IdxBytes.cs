using System.IO.Compression;

namespace MoreauGen.Tests.Data;

/// <summary>IDX files spelled out byte by byte, independent of the writer under test.</summary>
internal static class IdxBytes
{
    /// <summary>Big-endian header (magic, then each dimension) followed by the data.</summary>
    public static byte[] File(int magic, int[] dimensions, byte[] data)
    {
        var bytes = new List<byte>();
        bytes.AddRange(BigEndian(magic));
        foreach (int d in dimensions)
            bytes.AddRange(BigEndian(d));
        bytes.AddRange(data);
        return [.. bytes];
    }

    public static byte[] Images(int count, int rows, int columns, byte[] pixels) => File(0x00000803, [count, rows, columns], pixels);

    public static byte[] Labels(byte[] labels) => File(0x00000801, [labels.Length], labels);

    public static byte[] Gzip(byte[] plain)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
            gzip.Write(plain);
        return buffer.ToArray();
    }

    private static byte[] BigEndian(int value) =>
        [(byte)(value >> 24), (byte)(value >> 16), (byte)(value >> 8), (byte)value];
}
