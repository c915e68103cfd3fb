using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace MoreauGen.Distributed.Tests;

/// <summary>Starts a .NET program under mpirun on this machine and collects its output (shared with the sample tests).</summary>
internal static class MpiJob
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(2);

    /// <summary>The options every launch uses: root allowed (CI runs as root), more ranks than cores, shared-memory transport.</summary>
    public static readonly string[] LaunchOptions = ["--allow-run-as-root", "--oversubscribe", "--mca", "pml", "ob1", "--mca", "btl", "self,vader"];

    /// <summary>Runs <paramref name="assembly"/> (a .dll path) with <paramref name="arguments"/> as <paramref name="processes"/> processes.</summary>
    public static (int ExitCode, string Output) Run(int processes, string assembly, params string[] arguments)
    {
        string mpirun = FindOnPath("mpirun")
            ?? throw new InvalidOperationException("mpirun is not installed: ./test.sh installs it (apt-get install openmpi-bin libopenmpi-dev).");
        var start = new ProcessStartInfo(mpirun)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string option in LaunchOptions)
            start.ArgumentList.Add(option);
        start.ArgumentList.Add("-np");
        start.ArgumentList.Add(processes.ToString(CultureInfo.InvariantCulture));
        start.ArgumentList.Add(FindOnPath("dotnet") ?? "dotnet");
        start.ArgumentList.Add("exec");
        start.ArgumentList.Add(assembly);
        foreach (string argument in arguments)
            start.ArgumentList.Add(argument);

        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        if (!process.WaitForExit(Timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            throw new TimeoutException($"mpirun did not finish within {Timeout.TotalMinutes} minutes. Output so far:\n{output}");
        }

        process.WaitForExit(); // drains the redirected streams
        lock (output)
            return (process.ExitCode, output.ToString());
    }

    private static string? FindOnPath(string name)
    {
        foreach (string folder in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(folder, name);
            if (File.Exists(candidate))
                return candidate;
        }

        return null;
    }
}
