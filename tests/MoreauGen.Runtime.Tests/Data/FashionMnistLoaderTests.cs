using MoreauGen.Data;

namespace MoreauGen.Tests.Data;

/// <summary>The Fashion-MNIST loader on a tiny synthetic data set written with the real file names.</summary>
public sealed class FashionMnistLoaderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    // Training: three 1×2 images [0, 255], [255, 255], [0, 0] → [0, 1, 1, 1, 0, 0]: mean 1/2, population std 1/2.
    // Test: one 1×2 image [51, 255] → [0.2, 1].
    private void WriteSyntheticSet(int testRows = 1, int testColumns = 2)
    {
        File.WriteAllBytes(_folder.File(FashionMnist.TrainImagesFile), IdxBytes.Gzip(IdxBytes.Images(3, 1, 2, [0, 255, 255, 255, 0, 0])));
        File.WriteAllBytes(_folder.File(FashionMnist.TrainLabelsFile), IdxBytes.Gzip(IdxBytes.Labels([9, 0, 4])));
        byte[] testPixels = testRows * testColumns == 2 ? [51, 255] : new byte[testRows * testColumns];
        File.WriteAllBytes(_folder.File(FashionMnist.TestImagesFile), IdxBytes.Gzip(IdxBytes.Images(1, testRows, testColumns, testPixels)));
        File.WriteAllBytes(_folder.File(FashionMnist.TestLabelsFile), IdxBytes.Gzip(IdxBytes.Labels([2])));
    }

    [Fact]
    public void Both_sets_are_standardised_with_the_training_mean_and_std()
    {
        WriteSyntheticSet();

        var split = FashionMnist.Load<double>(_folder.Path);

        Assert.Equal(0.5, split.Standardization.Mean, 1e-15);
        Assert.Equal(0.5, split.Standardization.StandardDeviation, 1e-15);
        Assert.Equal([-1.0, 1, 1, 1, -1, -1], split.Train.Features);
        Assert.Equal([9, 0, 4], split.Train.Labels);
        // (0.2 − 0.5) / 0.5 = −0.6 and (1 − 0.5) / 0.5 = 1: the test set uses the training statistics, not its own.
        Assert.Equal(-0.6, split.Test.Features[0], 1e-12);
        Assert.Equal(1.0, split.Test.Features[1], 1e-12);
        Assert.Equal([2], split.Test.Labels);
        Assert.Equal(10, split.Train.ClassCount);
    }

    [Fact]
    public void A_training_limit_keeps_the_first_samples_and_measures_only_them()
    {
        WriteSyntheticSet();

        var split = FashionMnist.Load<float>(_folder.Path, trainLimit: 2);

        // Kept pixels [0, 1, 1, 1]: mean 3/4, population std √(3/16) = 0.4330127…
        double std = Math.Sqrt(3.0 / 16);
        Assert.Equal(2, split.Train.Count);
        Assert.Equal([9, 0], split.Train.Labels);
        Assert.Equal(0.75, split.Standardization.Mean, 1e-12);
        Assert.Equal(std, split.Standardization.StandardDeviation, 1e-12);
        Assert.Equal((float)(-0.75 / std), split.Train.Features[0], 1e-6f);
        Assert.Equal((float)(0.25 / std), split.Train.Features[1], 1e-6f);
        Assert.Equal((float)((0.2 - 0.75) / std), split.Test.Features[0], 1e-6f);
    }

    [Fact]
    public void Missing_files_say_how_to_install_the_data_set()
    {
        string folder = Path.Combine(_folder.Path, "not-installed");
        Assert.False(FashionMnist.IsInstalled(folder));

        var e = Assert.Throws<DataFileException>(() => FashionMnist.Load<float>(folder));

        Assert.Equal(DataFileProblem.Missing, e.Problem);
        Assert.Contains("apt-get install -y dataset-fashion-mnist", e.Message);
        Assert.Contains(Path.Combine(folder, FashionMnist.TrainImagesFile), e.Message);
    }

    [Fact]
    public void One_missing_file_of_four_is_named()
    {
        WriteSyntheticSet();
        File.Delete(_folder.File(FashionMnist.TestLabelsFile));

        var e = Assert.Throws<DataFileException>(() => FashionMnist.Load<float>(_folder.Path));

        Assert.Equal(_folder.File(FashionMnist.TestLabelsFile), e.Path);
        Assert.Contains(FashionMnist.InstallCommand, e.Message);
    }

    [Fact]
    public void Test_images_of_another_size_than_training_images_are_rejected()
    {
        WriteSyntheticSet(testRows: 2, testColumns: 2);
        var e = Assert.Throws<DataFileException>(() => FashionMnist.Load<float>(_folder.Path));
        Assert.Equal(DataFileProblem.DimensionMismatch, e.Problem);
    }

    [Fact]
    public void Measure_gives_mean_and_population_standard_deviation()
    {
        var s = Standardization.Measure<double>([1, 2, 3, 4]);
        Assert.Equal(2.5, s.Mean, 1e-15);
        Assert.Equal(Math.Sqrt(1.25), s.StandardDeviation, 1e-15);
    }

    [Fact]
    public void Constant_values_are_only_centred()
    {
        var s = Standardization.Measure<float>([3f, 3f, 3f]);
        Assert.Equal(1.0, s.StandardDeviation);
        float[] values = [3f, 4f];
        s.Apply<float>(values);
        Assert.Equal([0f, 1f], values);
    }

    [Fact]
    public void OneHot_marks_each_samples_class()
    {
        var targets = new float[3 * 4];
        targets.AsSpan().Fill(7f); // must be overwritten, not added to
        OneHot.Encode<float>([2, 0, 3], 4, targets);
        Assert.Equal([0f, 0, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1], targets);
    }
}
