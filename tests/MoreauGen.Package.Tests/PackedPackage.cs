namespace MoreauGen.Package.Tests;

/// <summary>
/// Packs src/Package once for the tests of <see cref="PackageCollection"/> into a fresh temporary folder; the folder
/// (feeds, consumer copies, isolated package caches) is deleted afterwards.
/// </summary>
public sealed class PackedPackage : IDisposable
{
    public PackedPackage()
    {
        WorkDirectory = Directory.CreateTempSubdirectory("moreaugen-package-").FullName;
        Feed = Directory.CreateDirectory(Path.Combine(WorkDirectory, "feed")).FullName;
        PackResult = Dotnet.Run(
            Repository.Root,
            "pack", Path.Combine("src", "Package", "MoreauGen.Package.csproj"),
            "-c", Repository.Configuration, "-o", Feed, "--disable-build-servers");
        Package = Path.Combine(Feed, $"MoreauGen.{Repository.Version}.nupkg");
        Symbols = Path.Combine(Feed, $"MoreauGen.{Repository.Version}.snupkg");
    }

    /// <summary>A temporary folder outside the repository that holds everything the tests write.</summary>
    public string WorkDirectory { get; }

    /// <summary>The folder the package was packed into.</summary>
    public string Feed { get; }

    /// <summary>What <c>dotnet pack</c> said.</summary>
    public ProcessResult PackResult { get; }

    /// <summary>The .nupkg file.</summary>
    public string Package { get; }

    /// <summary>The .snupkg symbol package.</summary>
    public string Symbols { get; }

    public void Dispose()
    {
        try
        {
            Directory.Delete(WorkDirectory, recursive: true);
        }
        catch (IOException)
        {
            // A temporary folder left behind is harmless.
        }
    }
}

/// <summary>The package tests share one pack and run one after another.</summary>
[CollectionDefinition(Name)]
public sealed class PackageCollection : ICollectionFixture<PackedPackage>
{
    public const string Name = "package";
}
