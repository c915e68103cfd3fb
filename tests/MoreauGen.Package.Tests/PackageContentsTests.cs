using System.IO.Compression;
using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using System.Xml.Linq;

namespace MoreauGen.Package.Tests;

/// <summary>What the MoreauGen package holds: the assemblies in their folders, the metadata, the symbols.</summary>
[Collection(PackageCollection.Name)]
public sealed class PackageContentsTests(PackedPackage packed)
{
    /// <summary>The newest Roslyn the SDK's compiler (5.9) loads a generator built against.</summary>
    private static readonly Version NewestLoadableRoslyn = new(5, 9, 0, 0);

    [Fact]
    public void Lib_holds_the_runtime_and_attributes_and_analyzers_hold_the_generator_and_code_fixes_only()
    {
        Assert.True(packed.PackResult.ExitCode == 0, "dotnet pack failed: " + packed.PackResult);
        using ZipArchive package = ZipFile.OpenRead(packed.Package);
        string[] assemblies = package.Entries.Select(e => e.FullName).Where(n => n.EndsWith(".dll", StringComparison.OrdinalIgnoreCase)).Order().ToArray();

        Assert.Equal(
            ["analyzers/dotnet/cs/MoreauGen.CodeFixes.dll", "analyzers/dotnet/cs/MoreauGen.Generator.dll",
             "lib/net10.0/MoreauGen.Attributes.dll", "lib/net10.0/MoreauGen.Runtime.dll"],
            assemblies);
        Assert.DoesNotContain(package.Entries, e => e.FullName.Contains("Test", StringComparison.OrdinalIgnoreCase) ||
                                                    e.FullName.Contains("Sample", StringComparison.OrdinalIgnoreCase) ||
                                                    e.FullName.Contains("Benchmark", StringComparison.OrdinalIgnoreCase) ||
                                                    e.FullName.Contains("Pendulum", StringComparison.OrdinalIgnoreCase) ||
                                                    e.FullName.Contains("Mlp", StringComparison.OrdinalIgnoreCase));
        Assert.Contains(package.Entries, e => e.FullName == "lib/net10.0/MoreauGen.Runtime.xml");
        Assert.Contains(package.Entries, e => e.FullName == "buildTransitive/MoreauGen.targets");
        Assert.Contains(package.Entries, e => e.FullName == "README.md");
    }

    [Fact]
    public void The_generator_is_a_roslyn_generator_the_sdk_compiler_can_load()
    {
        using ZipArchive package = ZipFile.OpenRead(packed.Package);
        using var image = new MemoryStream();
        using (Stream entry = package.GetEntry("analyzers/dotnet/cs/MoreauGen.Generator.dll")!.Open())
        {
            entry.CopyTo(image);
        }

        image.Position = 0;
        using var pe = new PEReader(image);
        MetadataReader metadata = pe.GetMetadataReader();
        AssemblyReference roslyn = metadata.AssemblyReferences.Select(metadata.GetAssemblyReference)
            .Single(r => metadata.GetString(r.Name) == "Microsoft.CodeAnalysis");
        Assert.True(roslyn.Version <= NewestLoadableRoslyn, $"The generator references Roslyn {roslyn.Version}; the SDK's compiler loads at most {NewestLoadableRoslyn}.");

        bool hasGenerator = metadata.TypeDefinitions.Select(metadata.GetTypeDefinition).Any(type =>
            type.GetCustomAttributes().Select(metadata.GetCustomAttribute).Any(attribute =>
                attribute.Constructor.Kind == HandleKind.MemberReference &&
                metadata.GetMemberReference((MemberReferenceHandle)attribute.Constructor).Parent is { Kind: HandleKind.TypeReference } parent &&
                metadata.GetString(metadata.GetTypeReference((TypeReferenceHandle)parent).Name) == "GeneratorAttribute"));
        Assert.True(hasGenerator, "No type of the packed MoreauGen.Generator.dll carries [Generator].");
    }

    [Fact]
    public void The_nuspec_has_the_version_licence_readme_repository_and_the_tensors_dependency()
    {
        using ZipArchive package = ZipFile.OpenRead(packed.Package);
        using Stream stream = package.GetEntry("MoreauGen.nuspec")!.Open();
        XElement metadata = XDocument.Load(stream).Root!.Elements().Single(e => e.Name.LocalName == "metadata");
        string? Value(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name)?.Value;
        XElement? Element(string name) => metadata.Elements().SingleOrDefault(e => e.Name.LocalName == name);

        Assert.Equal("MoreauGen", Value("id"));
        Assert.Equal(Repository.Version, Value("version"));
        Assert.Equal("expression", Element("license")?.Attribute("type")?.Value);
        Assert.False(string.IsNullOrWhiteSpace(Value("license")));
        Assert.Equal("README.md", Value("readme"));
        Assert.Equal("git", Element("repository")?.Attribute("type")?.Value);
        Assert.False(string.IsNullOrWhiteSpace(Value("description")));

        string[] dependencies = metadata.Descendants().Where(e => e.Name.LocalName == "dependency")
            .Select(e => e.Attribute("id")!.Value).ToArray();
        Assert.Contains("System.Numerics.Tensors", dependencies);
        Assert.DoesNotContain(dependencies, d => d.StartsWith("MoreauGen", StringComparison.Ordinal) || d.StartsWith("Microsoft.CodeAnalysis", StringComparison.Ordinal));
    }

    [Fact]
    public void The_symbol_package_holds_the_pdbs_of_the_lib_assemblies()
    {
        using ZipArchive symbols = ZipFile.OpenRead(packed.Symbols);
        string[] pdbs = symbols.Entries.Select(e => e.FullName).Where(n => n.EndsWith(".pdb", StringComparison.Ordinal)).Order().ToArray();
        Assert.Equal(["lib/net10.0/MoreauGen.Attributes.pdb", "lib/net10.0/MoreauGen.Runtime.pdb"], pdbs);
    }
}
