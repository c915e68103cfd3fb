namespace MoreauGen.Package.Tests;

/// <summary>
/// A project that references MoreauGen's runtime and attributes projects (ProjectReference) but not the generator: the
/// build says that the generator is missing (the attributes' Obsolete warning, CS0618), not only CS0029 at the use of
/// a layer. Built in the package tests' work folder, one at a time with them (the same collection).
/// </summary>
[Collection(PackageCollection.Name)]
public sealed class ProjectReferenceTests(PackedPackage packed)
{
    [Fact]
    public void Without_the_generator_a_project_reference_build_says_that_the_generator_is_missing()
    {
        string project = Directory.CreateDirectory(Path.Combine(packed.WorkDirectory, "project-reference-without-generator")).FullName;
        string src = Path.Combine(Repository.Root, "src");
        File.WriteAllText(Path.Combine(project, "NoGenerator.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <TargetFramework>net10.0</TargetFramework>
                <Nullable>enable</Nullable>
              </PropertyGroup>
              <ItemGroup>
                <ProjectReference Include="{Path.Combine(src, "Runtime", "MoreauGen.Runtime.csproj")}" />
                <ProjectReference Include="{Path.Combine(src, "Attributes", "MoreauGen.Attributes.csproj")}" />
              </ItemGroup>
            </Project>
            """);
        File.WriteAllText(Path.Combine(project, "Layer.cs"), """
            using System;
            using MoreauGen;

            public sealed partial class Scale
            {
                [MoreauLayer(Parameters = 1, Inputs = 1, Outputs = 1)]
                public void Apply(ReadOnlySpan<float> w, ReadOnlySpan<float> x, Span<float> y) => y[0] = w[0] * x[0];
            }

            public static class Use
            {
                public static IMoreauLayer<float> Layer() => new Scale();
            }
            """);

        ProcessResult build = Dotnet.Run(project, "build", "-c", Repository.Configuration, "--disable-build-servers");

        Assert.NotEqual(0, build.ExitCode);
        Assert.Contains("CS0029", build.Output, StringComparison.Ordinal);
        Assert.Contains("warning CS0618", build.Output, StringComparison.Ordinal);
        Assert.Contains("MoreauGen's source generator is not referenced by this project", build.Output, StringComparison.Ordinal);
    }
}
