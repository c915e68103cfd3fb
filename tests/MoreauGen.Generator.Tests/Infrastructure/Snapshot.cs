namespace MoreauGen.Generator.Tests.Infrastructure;

/// <summary>
/// Verified/received snapshots of generated source, in the project's Snapshots folder. A missing or different
/// snapshot writes <c>{name}.received.cs</c> beside it and fails, on CI too. Setting MOREAUGEN_ACCEPT_SNAPSHOTS=1
/// (honoured only when CI is not set) writes the verified file instead, for reviewing with git diff.
/// </summary>
internal static class Snapshot
{
    private const string AcceptVariable = "MOREAUGEN_ACCEPT_SNAPSHOTS";

    public static string Directory { get; } = Path.Combine(ProjectDirectory(), "Snapshots");

    public static void Verify(string name, string actual)
    {
        actual = Normalize(actual);
        string verified = Path.Combine(Directory, name + ".verified.cs");
        string received = Path.Combine(Directory, name + ".received.cs");
        bool exists = File.Exists(verified);
        if (exists && Normalize(File.ReadAllText(verified)) == actual)
        {
            File.Delete(received);
            return;
        }

        bool accept = Environment.GetEnvironmentVariable(AcceptVariable) == "1" &&
                      string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));
        System.IO.Directory.CreateDirectory(Directory);
        if (accept)
        {
            File.WriteAllText(verified, actual);
            File.Delete(received);
            return;
        }

        File.WriteAllText(received, actual);
        string reason = exists
            ? "differs from " + verified + " " + FirstDifference(Normalize(File.ReadAllText(verified)), actual)
            : "has no verified snapshot " + verified;
        Assert.Fail($"The generated source of {name} {reason}. It was written to {received}; review it and rename it to .verified.cs if it is right.");
    }

    private static string Normalize(string text) => text.Replace("\r\n", "\n");

    private static string FirstDifference(string expected, string actual)
    {
        string[] a = expected.Split('\n');
        string[] b = actual.Split('\n');
        for (int i = 0; i < Math.Max(a.Length, b.Length); i++)
        {
            string left = i < a.Length ? a[i] : "<end>";
            string right = i < b.Length ? b[i] : "<end>";
            if (left != right)
            {
                return $"at line {i + 1}: expected \"{left.Trim()}\", generated \"{right.Trim()}\"";
            }
        }

        return string.Empty;
    }

    /// <summary>The test project's folder, found from the test assembly's folder (bin/Configuration/TargetFramework).</summary>
    private static string ProjectDirectory()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MoreauGen.Generator.Tests.csproj")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("The test project folder was not found above " + AppContext.BaseDirectory);
    }
}
