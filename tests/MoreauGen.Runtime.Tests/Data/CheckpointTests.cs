using System.Buffers.Binary;
using MoreauGen.Data;

namespace MoreauGen.Tests.Data;

/// <summary>Checkpoints: round trips, every rejection (file and caller's buffer untouched), crash safety.</summary>
public sealed class CheckpointTests : IDisposable
{
    private const string Shape = "4-3-2";
    private const int Count = 4 * 3 + 3 + 3 * 2 + 2; // 23 parameters
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static double[] Parameters(int count, double offset = 0) =>
        Enumerable.Range(0, count).Select(i => Math.Sin(i + offset) * Math.Pow(10, i % 7 - 3)).ToArray();

    private static readonly Dictionary<string, string> Metadata = new()
    {
        ["method"] = "morsgd",
        ["epoch"] = "3",
        ["note"] = "α = 2, γ = 1",
    };

    private string SaveDouble(string name = "net.ckpt", double offset = 0)
    {
        string path = _folder.File(name);
        Checkpoint.Save<double>(path, Parameters(Count, offset), Shape, Metadata);
        return path;
    }

    [Fact]
    public void Double_parameters_and_the_description_round_trip_exactly()
    {
        double[] saved = [.. Parameters(Count), double.Epsilon, -0.0, double.MaxValue, double.NaN];
        string path = _folder.File("net.ckpt");
        Checkpoint.Save<double>(path, saved, "sig", Metadata);

        var loaded = new double[saved.Length];
        var info = Checkpoint.Load<double>(path, "sig", loaded);

        Assert.Equal(saved.Select(BitConverter.DoubleToInt64Bits), loaded.Select(BitConverter.DoubleToInt64Bits));
        Assert.Equal(path, info.Path);
        Assert.Equal(Checkpoint.FormatVersion, info.Version);
        Assert.Equal(CheckpointElementType.Float64, info.ElementType);
        Assert.Equal(saved.Length, info.ParameterCount);
        Assert.Equal("sig", info.Shape);
        Assert.Equal(Metadata.OrderBy(p => p.Key, StringComparer.Ordinal), info.Metadata);
    }

    [Fact]
    public void Float_parameters_round_trip_exactly()
    {
        float[] saved = [.. Parameters(Count).Select(v => (float)v), float.Epsilon, -0f];
        string path = _folder.File("net-f.ckpt");
        Checkpoint.Save<float>(path, saved, Checkpoint.ShapeOf(784, 500, 10));

        var loaded = new float[saved.Length];
        var info = Checkpoint.Load<float>(path, "784-500-10", loaded);

        Assert.Equal(saved.Select(BitConverter.SingleToInt32Bits), loaded.Select(BitConverter.SingleToInt32Bits));
        Assert.Equal(CheckpointElementType.Float32, info.ElementType);
        Assert.Empty(info.Metadata);
    }

    [Fact]
    public void ReadInfo_describes_a_checkpoint_without_loading_it()
    {
        string path = SaveDouble();
        var info = Checkpoint.ReadInfo(path);
        Assert.Equal(Shape, info.Shape);
        Assert.Equal(Count, info.ParameterCount);
        Assert.Equal("3", info.Metadata["epoch"]);
    }

    [Fact]
    public void Saving_again_replaces_the_checkpoint_and_leaves_no_temporary_file()
    {
        string path = SaveDouble(offset: 0);
        SaveDouble(offset: 1);
        var loaded = new double[Count];
        Checkpoint.Load<double>(path, Shape, loaded);
        Assert.Equal(Parameters(Count, 1), loaded);
        Assert.Equal(["net.ckpt"], _folder.FileNames());
    }

    [Fact]
    public void ShapeOf_joins_layer_widths()
    {
        Assert.Equal("784-500-300-100-10", Checkpoint.ShapeOf(784, 500, 300, 100, 10));
    }

    // ---- rejections: each leaves the file as it was and the caller's buffer untouched ----

    private DataFileException RejectedLoad<T>(string path, string shape, int count)
        where T : unmanaged, System.Numerics.IFloatingPointIeee754<T>
    {
        byte[]? fileBefore = File.Exists(path) ? File.ReadAllBytes(path) : null;
        var buffer = new T[count];
        buffer.AsSpan().Fill(T.CreateChecked(42));

        var e = Assert.Throws<DataFileException>(() => Checkpoint.Load<T>(path, shape, buffer));

        Assert.All(buffer, v => Assert.Equal(T.CreateChecked(42), v));
        if (fileBefore is not null)
            Assert.Equal(fileBefore, File.ReadAllBytes(path));
        Assert.Equal(path, e.Path);
        Assert.Contains(path, e.Message);
        return e;
    }

    public static TheoryData<int> CorruptOffsets() => new() { 30, 40, 60, 100, 150, -3 }; // header, payload, checksum (from the end)

    [Theory]
    [MemberData(nameof(CorruptOffsets))]
    public void A_corrupted_byte_fails_the_checksum(int offset)
    {
        string path = SaveDouble();
        byte[] bytes = File.ReadAllBytes(path);
        int at = offset >= 0 ? offset : bytes.Length + offset;
        bytes[at] ^= 0x10;
        File.WriteAllBytes(path, bytes);

        var e = RejectedLoad<double>(path, Shape, Count);

        Assert.Equal(DataFileProblem.ChecksumMismatch, e.Problem);
        Assert.Contains("corrupt", e.Message);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(23)]
    [InlineData(24)]
    [InlineData(100)]
    [InlineData(-1)]
    public void A_truncated_file_is_rejected_as_truncated(int keep)
    {
        string path = SaveDouble();
        byte[] bytes = File.ReadAllBytes(path);
        File.WriteAllBytes(path, bytes[..(keep >= 0 ? keep : bytes.Length + keep)]);

        var e = RejectedLoad<double>(path, Shape, Count);

        Assert.Equal(DataFileProblem.Truncated, e.Problem);
        Assert.Contains("truncated", e.Message);
    }

    [Fact]
    public void A_checkpoint_of_another_network_is_a_shape_mismatch()
    {
        string path = SaveDouble();
        var e = RejectedLoad<double>(path, "4-5-2", Count);
        Assert.Equal(DataFileProblem.ShapeMismatch, e.Problem);
        Assert.Contains("'4-3-2'", e.Message);
        Assert.Contains("'4-5-2'", e.Message);
    }

    [Fact]
    public void The_same_signature_with_another_parameter_count_is_a_shape_mismatch()
    {
        string path = SaveDouble();
        var e = RejectedLoad<double>(path, Shape, Count + 1);
        Assert.Equal(DataFileProblem.ShapeMismatch, e.Problem);
        Assert.Contains($"{Count} parameters", e.Message);
    }

    [Fact]
    public void A_double_checkpoint_loaded_as_float_is_an_element_type_mismatch()
    {
        string path = SaveDouble();
        var e = RejectedLoad<float>(path, Shape, Count);
        Assert.Equal(DataFileProblem.ElementTypeMismatch, e.Problem);
        Assert.Contains("double", e.Message);
    }

    [Fact]
    public void A_file_that_is_not_a_checkpoint_has_the_wrong_magic()
    {
        string path = _folder.File("notes.txt");
        File.WriteAllText(path, "epoch,loss\n1,0.5\n");
        var e = RejectedLoad<double>(path, Shape, Count);
        Assert.Equal(DataFileProblem.WrongMagic, e.Problem);
    }

    [Fact]
    public void A_newer_format_version_is_unsupported()
    {
        string path = SaveDouble();
        byte[] bytes = File.ReadAllBytes(path);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(8), 2);
        File.WriteAllBytes(path, bytes);

        var e = RejectedLoad<double>(path, Shape, Count);

        Assert.Equal(DataFileProblem.UnsupportedVersion, e.Problem);
        Assert.Contains("version 2", e.Message);
    }

    [Fact]
    public void Bytes_appended_to_a_checkpoint_are_rejected()
    {
        string path = SaveDouble();
        File.AppendAllText(path, "x");
        var e = RejectedLoad<double>(path, Shape, Count);
        Assert.Equal(DataFileProblem.TrailingData, e.Problem);
    }

    [Fact]
    public void A_missing_checkpoint_is_reported()
    {
        var e = RejectedLoad<double>(_folder.File("absent.ckpt"), Shape, Count);
        Assert.Equal(DataFileProblem.Missing, e.Problem);
    }

    // ---- crash safety ----

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(100)]
    [InlineData(200)]
    public void A_crash_while_saving_keeps_the_previous_checkpoint(int failAfterBytes)
    {
        string path = SaveDouble(offset: 0);
        byte[] before = File.ReadAllBytes(path);

        var crash = Assert.Throws<IOException>(() => Checkpoint.Save<double>(
            path, Parameters(Count, offset: 1), Shape, Metadata, wrapStream: s => new FailingStream(s, failAfterBytes)));

        Assert.Equal(FailingStream.Message, crash.Message);
        Assert.Equal(before, File.ReadAllBytes(path));
        Assert.Equal(["net.ckpt"], _folder.FileNames()); // the temporary file is gone
        var loaded = new double[Count];
        Checkpoint.Load<double>(path, Shape, loaded);
        Assert.Equal(Parameters(Count, 0), loaded);
    }

    [Fact]
    public void An_atomic_file_disposed_without_commit_leaves_the_target_as_it_was()
    {
        string path = _folder.File("table.csv");
        File.WriteAllText(path, "old");
        using (var file = AtomicFile.Create(path))
        {
            file.Stream.Write("new, but never committed"u8);
            Assert.True(File.Exists(file.TemporaryPath));
        }
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["table.csv"], _folder.FileNames());
    }

    [Fact]
    public void AtomicFile_Write_replaces_the_target_only_when_the_writer_finishes()
    {
        string path = _folder.File("table.csv");
        AtomicFile.Write(path, s => s.Write("first"u8));
        Assert.Throws<InvalidOperationException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("second, half"u8);
            throw new InvalidOperationException("stopped");
        }));
        Assert.Equal("first", File.ReadAllText(path));
        Assert.Equal(["table.csv"], _folder.FileNames());
    }

    [Fact]
    public void AtomicFile_names_a_missing_folder()
    {
        string path = Path.Combine(_folder.Path, "no-such-folder", "net.ckpt");
        var e = Assert.Throws<DirectoryNotFoundException>(() => Checkpoint.Save<float>(path, [1f], "1"));
        Assert.Contains("no-such-folder", e.Message);
    }

    /// <summary>Passes writes through until a byte budget is spent, then throws, as a full disk or a kill would stop a write.</summary>
    private sealed class FailingStream(Stream inner, int budget) : Stream
    {
        public const string Message = "simulated crash while writing";
        private int _budget = budget;

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            int n = Math.Min(_budget, buffer.Length);
            inner.Write(buffer[..n]);
            _budget -= n;
            if (n < buffer.Length)
                throw new IOException(Message);
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
        public override void Flush() => inner.Flush();
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
    }
}
