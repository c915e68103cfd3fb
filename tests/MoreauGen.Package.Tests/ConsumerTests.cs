using System.IO.Compression;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace MoreauGen.Package.Tests;

/// <summary>
/// A fresh console project (Consumer/, copied outside the repository) with README.md's "Writing a layer" example,
/// restored with MoreauGen from the packed folder into a package cache of its own (so no cached copy of an older
/// package can stand in), built with warnings as errors, and run.
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class ConsumerTests(PackedPackage packed)
{
    [Fact]
    public void A_fresh_project_builds_the_readme_example_from_the_packed_folder_and_runs_it()
    {
        Assert.True(packed.PackResult.ExitCode == 0, "dotnet pack failed: " + packed.PackResult);
        (string project, string packages) = CreateConsumer("consumer", packed.Package);

        ProcessResult build = Build(project, packages);
        Assert.True(build.ExitCode == 0, "The consumer did not build: " + build);
        Assert.DoesNotMatch(new Regex(@"\bwarning [A-Z]+[0-9]+"), build.Output); // "warning CS8600: …", "warning NU1603: …"

        // MoreauGen came from the packed folder, and the generator ran (the example's layers implement IMoreauLayer<float>).
        string metadata = File.ReadAllText(Path.Combine(packages, "moreaugen", Repository.Version, ".nupkg.metadata"));
        string source = JsonDocument.Parse(metadata).RootElement.GetProperty("source").GetString()!;
        Assert.Equal(Path.GetFullPath(Path.Combine(project, "feed")).TrimEnd('/'), Path.GetFullPath(source).TrimEnd('/'));

        ProcessResult run = Dotnet.Run(project, Path.Combine("bin", "Release", "net10.0", "Consumer.dll"));
        Assert.True(run.ExitCode == 0, "The README example did not cut the cost tenfold: " + run);
        Assert.Matches(@"cost before [0-9.eE+-]+, after [0-9.eE+-]+", run.Output);
    }

    [Fact]
    public void Without_the_generator_in_the_package_the_build_fails_with_the_build_checks_message()
    {
        Assert.True(packed.PackResult.ExitCode == 0, "dotnet pack failed: " + packed.PackResult);
        string broken = Path.Combine(Directory.CreateDirectory(Path.Combine(packed.WorkDirectory, "broken-feed")).FullName, Path.GetFileName(packed.Package));
        File.Copy(packed.Package, broken);
        using (ZipArchive package = ZipFile.Open(broken, ZipArchiveMode.Update))
        {
            package.GetEntry("analyzers/dotnet/cs/MoreauGen.Generator.dll")!.Delete();
        }

        (string project, string packages) = CreateConsumer("consumer-without-generator", broken);
        ProcessResult build = Build(project, packages);

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("MGB001", build.Output, StringComparison.Ordinal);
        Assert.Contains("MoreauGen's source generator (MoreauGen.Generator.dll) is not among this project's analyzers", build.Output, StringComparison.Ordinal);
    }

    /// <summary>
    /// Copies Consumer/ to a new folder under the work folder, adds README.md's example as Example.cs and a feed/
    /// folder holding <paramref name="package"/>. Returns the project folder and its own package cache.
    /// </summary>
    private (string Project, string Packages) CreateConsumer(string name, string package)
    {
        string project = Directory.CreateDirectory(Path.Combine(packed.WorkDirectory, name)).FullName;
        foreach (string file in Directory.GetFiles(Path.Combine(Repository.Root, "tests", "MoreauGen.Package.Tests", "Consumer")))
        {
            File.Copy(file, Path.Combine(project, Path.GetFileName(file)));
        }

        File.WriteAllText(Path.Combine(project, "Example.cs"), ReadmeExample());
        string feed = Directory.CreateDirectory(Path.Combine(project, "feed")).FullName;
        File.Copy(package, Path.Combine(feed, Path.GetFileName(package)));
        return (project, Path.Combine(packed.WorkDirectory, name + "-packages"));
    }

    private static ProcessResult Build(string project, string packages) =>
        Dotnet.Run(project, "build", "-c", "Release", "--packages", packages, "-p:MoreauGenVersion=" + Repository.Version, "--disable-build-servers");

    /// <summary>The ```csharp block of README.md that declares <c>class Example</c>: the "Writing a layer" example.</summary>
    private static string ReadmeExample()
    {
        string readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        MatchCollection blocks = Regex.Matches(readme, @"```csharp\n(.*?)```", RegexOptions.Singleline);
        Match block = Assert.Single(blocks, b => b.Groups[1].Value.Contains("class Example", StringComparison.Ordinal));
        return block.Groups[1].Value;
    }
}
