using MoreauGen.Data;

namespace MoreauGen.Tests.Data;

/// <summary>The IDX reader on small files written here, plain and gzipped, good and broken.</summary>
public sealed class IdxReaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // Two 2×3 images; 51 = 0.2·255, 204 = 0.8·255, 102 = 0.4·255.
    private static readonly byte[] Pixels = [0, 255, 51, 204, 102, 0, 255, 255, 0, 51, 51, 51];
    private static readonly float[] PixelsScaled = [0f, 1f, 0.2f, 0.8f, 0.4f, 0f, 1f, 1f, 0f, 0.2f, 0.2f, 0.2f];

    private string Write(string name, byte[] bytes)
    {
        string path = _folder.File(name);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Theory]
    [InlineData(false, "images.idx")]
    [InlineData(true, "images.idx")]      // gzipped, though the name does not say so
    [InlineData(false, "images.idx.gz")]  // plain, though the name says gzip
    [InlineData(true, "images.idx.gz")]
    public void Images_are_read_with_their_dimensions_and_scaled_to_unit_interval(bool gzip, string name)
    {
        byte[] plain = IdxBytes.Images(2, 2, 3, Pixels);
        string path = Write(name, gzip ? IdxBytes.Gzip(plain) : plain);

        var images = Idx.ReadImages<float>(path);

        Assert.Equal(2, images.Count);
        Assert.Equal(2, images.Rows);
        Assert.Equal(3, images.Columns);
        Assert.Equal(6, images.PixelsPerImage);
        Assert.Equal(PixelsScaled.Length, images.Pixels.Length);
        for (int i = 0; i < PixelsScaled.Length; i++)
            Assert.Equal(PixelsScaled[i], images.Pixels[i], 1e-7f);
    }

    [Fact]
    public void Images_read_as_double_are_byte_over_255()
    {
        string path = Write("images", IdxBytes.Images(2, 2, 3, Pixels));
        var images = Idx.ReadImages<double>(path);
        Assert.Equal(Pixels.Select(b => b / 255.0), images.Pixels);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Labels_are_read_as_class_indices(bool gzip)
    {
        byte[] plain = IdxBytes.Labels([3, 0, 9, 9, 1]);
        string path = Write("labels", gzip ? IdxBytes.Gzip(plain) : plain);
        Assert.Equal([3, 0, 9, 9, 1], Idx.ReadLabels(path, classCount: 10));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void The_writer_produces_the_bytes_of_the_format(bool gzip)
    {
        string images = _folder.File("w-images");
        string labels = _folder.File("w-labels");
        Idx.WriteImages(images, Pixels, 2, 2, 3, gzip);
        Idx.WriteLabels(labels, [4, 2], gzip);

        Assert.Equal(gzip, IsGzip(images));
        Assert.Equal(IdxBytes.Images(2, 2, 3, Pixels), Decompressed(images));
        Assert.Equal(IdxBytes.Labels([4, 2]), Decompressed(labels));
    }

    [Fact]
    public void ReadLabeled_pairs_images_with_labels()
    {
        string images = Write("images", IdxBytes.Gzip(IdxBytes.Images(2, 2, 3, Pixels)));
        string labels = Write("labels", IdxBytes.Labels([7, 1]));

        var data = Idx.ReadLabeled<double>(images, labels, classCount: 10);

        Assert.Equal(2, data.Count);
        Assert.Equal(6, data.FeatureCount);
        Assert.Equal(10, data.ClassCount);
        Assert.Equal([7, 1], data.Labels);
        Assert.Equal(Pixels[6..].Select(b => b / 255.0), data.Sample(1).ToArray());
    }

    [Fact]
    public void A_missing_file_is_reported_with_its_path()
    {
        string path = _folder.File("nothing-here.gz");
        var e = Assert.Throws<DataFileException>(() => Idx.ReadImages<float>(path));
        Assert.Equal(DataFileProblem.Missing, e.Problem);
        Assert.Equal(path, e.Path);
        Assert.Contains(path, e.Message);
    }

    public static TheoryData<int, bool> TruncationPoints()
    {
        // Full file: 4 magic + 12 dimension bytes + 12 data bytes = 28.
        var data = new TheoryData<int, bool>();
        foreach (bool gzip in new[] { false, true })
        {
            foreach (int length in new[] { 0, 3, 4, 9, 15, 16, 27 })
                data.Add(length, gzip);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(TruncationPoints))]
    public void A_file_cut_anywhere_in_header_or_data_is_truncated(int length, bool gzip)
    {
        byte[] plain = IdxBytes.Images(2, 2, 3, Pixels)[..length];
        string path = Write("cut", gzip ? IdxBytes.Gzip(plain) : plain);
        var e = Assert.Throws<DataFileException>(() => Idx.ReadImages<float>(path));
        Assert.Equal(DataFileProblem.Truncated, e.Problem);
        Assert.Contains(path, e.Message);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void A_gzip_stream_cut_short_is_truncated()
    {
        // A larger file so the compressed stream has a body to cut.
        var pixels = new byte[50 * 28 * 28];
        new Random(7).NextBytes(pixels);
        byte[] gzip = IdxBytes.Gzip(IdxBytes.Images(50, 28, 28, pixels));
        string path = Write("cut.gz", gzip[..(gzip.Length / 2)]);
        var e = Assert.Throws<DataFileException>(() => Idx.ReadImages<float>(path));
        Assert.Equal(DataFileProblem.Truncated, e.Problem);
        Assert.Contains(path, e.Message);
    }

    [Fact]
    public void A_damaged_gzip_stream_is_reported_as_corrupt()
    {
        byte[] gzip = IdxBytes.Gzip(IdxBytes.Images(2, 2, 3, Pixels));
        gzip[10] = 0xFF; // first deflate block header: block type 3 is reserved
        string path = Write("damaged.gz", gzip);
        var e = Assert.Throws<DataFileException>(() => Idx.ReadImages<float>(path));
        Assert.Equal(DataFileProblem.Malformed, e.Problem);
        Assert.Contains("corrupt", e.Message);
        Assert.IsType<InvalidDataException>(e.InnerException);
    }

    [Fact]
    public void A_labels_file_read_as_images_has_the_wrong_magic()
    {
        string path = Write("labels", IdxBytes.Labels([1, 2, 3]));
        var e = Assert.Throws<DataFileException>(() => Idx.ReadImages<float>(path));
        Assert.Equal(DataFileProblem.WrongMagic, e.Problem);
        Assert.Contains("0x00000801", e.Message);
        Assert.Contains("0x00000803", e.Message);
    }

    [Fact]
    public void An_images_file_read_as_labels_has_the_wrong_magic()
    {
        string path = Write("images", IdxBytes.Images(2, 2, 3, Pixels));
        var e = Assert.Throws<DataFileException>(() => Idx.ReadLabels(path, 10));
        Assert.Equal(DataFileProblem.WrongMagic, e.Problem);
    }

    [Fact]
    public void A_file_that_is_not_idx_has_the_wrong_magic()
    {
        string path = Write("readme.txt", "Fashion-MNIST is a data set of Zalando's article images"u8.ToArray());
        var e = Assert.Throws<DataFileException>(() => Idx.ReadImages<float>(path));
        Assert.Equal(DataFileProblem.WrongMagic, e.Problem);
        Assert.Contains("not an IDX file", e.Message);
    }

    [Theory]
    [InlineData(0x00000C03, "int32")]
    [InlineData(0x00000D03, "float32")]
    [InlineData(0x00000903, "signed byte")]
    public void Another_element_type_than_unsigned_byte_is_rejected(int magic, string named)
    {
        string path = Write("ints", IdxBytes.File(magic, [1, 1, 1], [0, 0, 0, 1]));
        var e = Assert.Throws<DataFileException>(() => Idx.ReadImages<float>(path));
        Assert.Equal(DataFileProblem.ElementTypeMismatch, e.Problem);
        Assert.Contains(named, e.Message);
    }

    [Fact]
    public void Images_and_labels_of_different_counts_are_a_dimension_mismatch()
    {
        string images = Write("images", IdxBytes.Images(2, 2, 3, Pixels));
        string labels = Write("labels", IdxBytes.Labels([1, 2, 3]));
        var e = Assert.Throws<DataFileException>(() => Idx.ReadLabeled<float>(images, labels, 10));
        Assert.Equal(DataFileProblem.DimensionMismatch, e.Problem);
        Assert.Equal(labels, e.Path);
        Assert.Contains("3 labels", e.Message);
        Assert.Contains("2 images", e.Message);
    }

    [Fact]
    public void A_label_outside_the_stated_classes_is_reported_with_its_position()
    {
        string path = Write("labels", IdxBytes.Gzip(IdxBytes.Labels([0, 9, 10, 1])));
        var e = Assert.Throws<DataFileException>(() => Idx.ReadLabels(path, classCount: 10));
        Assert.Equal(DataFileProblem.LabelOutOfRange, e.Problem);
        Assert.Contains("label 10 of sample 2", e.Message);
        Assert.Contains("0..9", e.Message);
    }

    [Fact]
    public void Bytes_after_the_declared_data_are_rejected()
    {
        string path = Write("long", [.. IdxBytes.Labels([1, 2]), 0]);
        var e = Assert.Throws<DataFileException>(() => Idx.ReadLabels(path, 10));
        Assert.Equal(DataFileProblem.TrailingData, e.Problem);
    }

    [Fact]
    public void A_negative_dimension_is_a_malformed_header()
    {
        string path = Write("negative", IdxBytes.File(0x00000803, [2, -1, 3], []));
        var e = Assert.Throws<DataFileException>(() => Idx.ReadImages<float>(path));
        Assert.Equal(DataFileProblem.Malformed, e.Problem);
    }

    [Fact]
    public void An_impossibly_large_header_is_malformed_not_an_allocation_failure()
    {
        string path = Write("huge", IdxBytes.File(0x00000803, [int.MaxValue, 28, 28], []));
        var e = Assert.Throws<DataFileException>(() => Idx.ReadImages<float>(path));
        Assert.Equal(DataFileProblem.Malformed, e.Problem);
    }

    [Fact]
    public void Images_without_pixels_are_a_malformed_data_set()
    {
        string images = Write("images", IdxBytes.File(0x00000803, [0, 1 << 20, 1 << 20], []));
        string labels = Write("labels", IdxBytes.Labels([]));
        var e = Assert.Throws<DataFileException>(() => Idx.ReadLabeled<float>(images, labels, 10));
        Assert.Equal(DataFileProblem.Malformed, e.Problem);
        Assert.Equal(images, e.Path);
    }

    private static bool IsGzip(string path)
    {
        byte[] bytes = File.ReadAllBytes(path);
        return bytes.Length >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B;
    }

    private static byte[] Decompressed(string path)
    {
        if (!IsGzip(path))
            return File.ReadAllBytes(path);
        using var gzip = new System.IO.Compression.GZipStream(File.OpenRead(path), System.IO.Compression.CompressionMode.Decompress);
        using var buffer = new MemoryStream();
        gzip.CopyTo(buffer);
        return buffer.ToArray();
    }
}
