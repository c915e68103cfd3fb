using System.Numerics;

namespace MoreauGen.Data;

/// <summary>
/// A training and a test set standardised together: both were scaled to [0, 1] and then transformed with
/// <see cref="Standardization"/>, which was measured on the training set only.
/// </summary>
/// <typeparam name="T">float or double.</typeparam>
/// <param name="Train">Training samples (after the optional limit), standardised.</param>
/// <param name="Test">Test samples, standardised with the training set's statistics.</param>
/// <param name="Standardization">The training set's scalar mean and standard deviation of the [0, 1] pixels.</param>
public sealed record TrainTestSplit<T>(LabeledDataset<T> Train, LabeledDataset<T> Test, Standardization Standardization)
    where T : unmanaged, IFloatingPointIeee754<T>;

/// <summary>
/// Loads Fashion-MNIST (70 000 grey 28 × 28 images of clothing in 10 classes) from the gzipped IDX files that the
/// Debian package <c>dataset-fashion-mnist</c> installs in <see cref="DefaultFolder"/>.
/// </summary>
/// <remarks>
/// Conventions: pixels are scaled to [0, 1] (byte / 255), then standardised with ONE scalar mean and ONE scalar
/// population standard deviation measured over all pixels of all training samples actually kept (after
/// <c>trainLimit</c>); the test set is transformed with those same two numbers. Features are 784 values per image,
/// row-major. Labels are 0..9 in the order of <see cref="ClassNames"/>.
/// </remarks>
public static class FashionMnist
{
    /// <summary>Where <c>dataset-fashion-mnist</c> puts the files.</summary>
    public const string DefaultFolder = "/usr/share/datasets/fashion-mnist/";

    /// <summary>The command (run as root) that installs the data set into <see cref="DefaultFolder"/>.</summary>
    public const string InstallCommand = "apt-get install -y dataset-fashion-mnist";

    /// <summary>Training images file name (60 000 × 28 × 28).</summary>
    public const string TrainImagesFile = "train-images-idx3-ubyte.gz";

    /// <summary>Training labels file name (60 000).</summary>
    public const string TrainLabelsFile = "train-labels-idx1-ubyte.gz";

    /// <summary>Test images file name (10 000 × 28 × 28).</summary>
    public const string TestImagesFile = "t10k-images-idx3-ubyte.gz";

    /// <summary>Test labels file name (10 000).</summary>
    public const string TestLabelsFile = "t10k-labels-idx1-ubyte.gz";

    /// <summary>Number of classes.</summary>
    public const int ClassCount = 10;

    /// <summary>The class names, indexed by label.</summary>
    public static IReadOnlyList<string> ClassNames { get; } =
        ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"];

    /// <summary>Whether all four files are present in <paramref name="folder"/> (default <see cref="DefaultFolder"/>), gzipped or not.</summary>
    public static bool IsInstalled(string? folder = null)
    {
        folder ??= DefaultFolder;
        return File.Exists(PathOf(folder, TrainImagesFile)) && File.Exists(PathOf(folder, TrainLabelsFile))
            && File.Exists(PathOf(folder, TestImagesFile)) && File.Exists(PathOf(folder, TestLabelsFile));
    }

    /// <summary>
    /// The path of <paramref name="fileName"/> (one of the four <c>*.gz</c> names) in <paramref name="folder"/>: the
    /// gzipped file when present, else the same name without <c>.gz</c> (a gunzipped copy), else the gzipped name.
    /// </summary>
    public static string PathOf(string folder, string fileName)
    {
        ArgumentNullException.ThrowIfNull(folder);
        ArgumentNullException.ThrowIfNull(fileName);
        string path = Path.Combine(folder, fileName);
        if (File.Exists(path) || !fileName.EndsWith(".gz", StringComparison.Ordinal))
            return path;
        string gunzipped = path[..^".gz".Length];
        return File.Exists(gunzipped) ? gunzipped : path;
    }

    /// <summary>
    /// Loads the training and test sets from <paramref name="folder"/> (default <see cref="DefaultFolder"/>), keeping
    /// only the first <paramref name="trainLimit"/> training samples if given, and standardises both as described on
    /// <see cref="FashionMnist"/>.
    /// </summary>
    /// <exception cref="DataFileException">
    /// A file is missing (the message gives <see cref="InstallCommand"/>), truncated or malformed, the images and
    /// labels disagree, or the training and test images differ in size.
    /// </exception>
    public static TrainTestSplit<T> Load<T>(string? folder = null, int? trainLimit = null) where T : unmanaged, IFloatingPointIeee754<T>
    {
        folder ??= DefaultFolder;
        if (trainLimit is < 1)
            throw new ArgumentOutOfRangeException(nameof(trainLimit), trainLimit, "The training limit must be at least 1 sample.");
        foreach (string name in (string[])[TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile])
        {
            string path = PathOf(folder, name);
            if (!File.Exists(path))
                throw new DataFileException(path, DataFileProblem.Missing,
                    $"Fashion-MNIST is not installed: '{path}' does not exist. Install it with `{InstallCommand}` " +
                    $"(as root; it puts the files in {DefaultFolder}), or point to a folder that holds " +
                    $"{TrainImagesFile}, {TrainLabelsFile}, {TestImagesFile} and {TestLabelsFile} (gzipped or not).");
        }

        string trainImages = PathOf(folder, TrainImagesFile);
        string testImages = PathOf(folder, TestImagesFile);
        var train = Idx.ReadLabeled<T>(trainImages, PathOf(folder, TrainLabelsFile), ClassCount, trainLimit ?? int.MaxValue);
        var test = Idx.ReadLabeled<T>(testImages, PathOf(folder, TestLabelsFile), ClassCount);
        if (test.FeatureCount != train.FeatureCount)
            throw new DataFileException(testImages, DataFileProblem.DimensionMismatch,
                $"'{testImages}' holds images of {test.FeatureCount} pixels but '{trainImages}' holds images of " +
                $"{train.FeatureCount}: the test and training sets do not belong together.");
        if (train.Count == 0)
            throw new DataFileException(trainImages, DataFileProblem.Malformed, $"'{trainImages}' holds no images.");

        var standardization = Standardization.Measure<T>(train.Features);
        standardization.Apply<T>(train.Features);
        standardization.Apply<T>(test.Features);
        return new TrainTestSplit<T>(train, test, standardization);
    }
}
