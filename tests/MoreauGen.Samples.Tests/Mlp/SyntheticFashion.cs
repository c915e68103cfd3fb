using MoreauGen.Data;

namespace MoreauGen.Samples.Tests.Mlp;

/// <summary>
/// A small data set in Fashion-MNIST's files (same names, gzipped IDX), for running the sample without the real one:
/// 10 classes of 8 × 8 images, each class a random prototype image plus independent pixel noise. Separable, but
/// not at the first step: the noise (σ = 70 grey levels) is of the order of the differences between prototypes.
/// </summary>
internal static class SyntheticFashion
{
    public const int Rows = 8, Columns = 8, Pixels = Rows * Columns, Classes = 10;

    /// <summary>Writes <paramref name="train"/> training and <paramref name="test"/> test images into <paramref name="folder"/>.</summary>
    public static void Write(string folder, int train = 600, int test = 200, int seed = 5)
    {
        var random = new Random(seed);
        var prototypes = new byte[Classes, Pixels];
        for (int c = 0; c < Classes; c++)
        {
            for (int p = 0; p < Pixels; p++)
                prototypes[c, p] = (byte)random.Next(256);
        }

        WriteSet(folder, FashionMnist.TrainImagesFile, FashionMnist.TrainLabelsFile, train, prototypes, random);
        WriteSet(folder, FashionMnist.TestImagesFile, FashionMnist.TestLabelsFile, test, prototypes, random);
    }

    private static void WriteSet(string folder, string imagesFile, string labelsFile, int count, byte[,] prototypes, Random random)
    {
        var pixels = new byte[count * Pixels];
        var labels = new byte[count];
        for (int i = 0; i < count; i++)
        {
            int c = i % Classes;
            labels[i] = (byte)c;
            for (int p = 0; p < Pixels; p++)
            {
                double noise = 70 * Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
                pixels[i * Pixels + p] = (byte)Math.Clamp(Math.Round(prototypes[c, p] + noise), 0, 255);
            }
        }

        Idx.WriteImages(Path.Combine(folder, imagesFile), pixels, count, Rows, Columns, gzip: true);
        Idx.WriteLabels(Path.Combine(folder, labelsFile), labels, gzip: true);
    }
}
