using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace MoreauGen.Package.Tests;

/// <summary>Where the repository is, its package version, and a runner for <c>dotnet</c> commands.</summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The package version, read from VersionPrefix in Directory.Build.props (its one place).</summary>
    public static string Version { get; } =
        Regex.Match(File.ReadAllText(Path.Combine(Root, "Directory.Build.props")), @"<VersionPrefix>([^<]+)</VersionPrefix>").Groups[1].Value;

    /// <summary>The configuration this test assembly was built in; the package is packed in the same one.</summary>
    public const string Configuration =
#if DEBUG
        "Debug";
#else
        "Release";
#endif

    private static string FindRoot()
    {
        for (DirectoryInfo? directory = new(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "MoreauGen.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("No MoreauGen.sln above " + AppContext.BaseDirectory);
    }
}

/// <summary>The exit code and the merged output of a finished process.</summary>
public sealed record ProcessResult(int ExitCode, string Output)
{
    public override string ToString() => $"exit code {ExitCode}:\n{Output}";
}

internal static class Dotnet
{
    /// <summary>
    /// Runs <c>dotnet</c> with <paramref name="arguments"/> in <paramref name="directory"/> and waits for it (at most
    /// 15 minutes). The MSBuild variables of the test host's environment are removed so that the child is a plain
    /// command-line build; build servers are not left running.
    /// </summary>
    public static ProcessResult Run(string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = directory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["DOTNET_CLI_USE_MSBUILD_SERVER"] = "0";

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (output) { output.AppendLine(e.Data); } } };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(TimeSpan.FromMinutes(15)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"dotnet {string.Join(' ', arguments)} did not finish in 15 minutes:\n{output}");
        }

        process.WaitForExit();
        lock (output)
        {
            return new ProcessResult(process.ExitCode, output.ToString());
        }
    }
}
