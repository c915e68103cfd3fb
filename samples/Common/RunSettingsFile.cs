using System.Globalization;
using System.Text;
using MoreauGen.Data;

namespace MoreauGen.Samples.Common;

/// <summary>
/// The settings a sample's finished results depend on, saved beside them as <c>key=value</c> lines (UTF-8, invariant
/// culture), so <c>--resume</c> can tell whether results already in the output folder may be reused by this run.
/// </summary>
public static class RunSettingsFile
{
    /// <summary>Writes <paramref name="settings"/> to <paramref name="path"/> atomically, one <c>key=value</c> line each, sorted by key.</summary>
    public static void Save(string path, IReadOnlyDictionary<string, string> settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var text = new StringBuilder();
        foreach (var (key, value) in settings.OrderBy(p => p.Key, StringComparer.Ordinal))
            text.Append(key).Append('=').Append(value).Append('\n');
        byte[] bytes = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false).GetBytes(text.ToString());
        AtomicFile.Write(path, stream => stream.Write(bytes));
    }

    /// <summary>Reads a file written by <see cref="Save"/>.</summary>
    /// <exception cref="FormatException">A line is not <c>key=value</c>.</exception>
    public static Dictionary<string, string> Load(string path)
    {
        var settings = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string line in File.ReadAllLines(path, Encoding.UTF8).Where(l => l.Length > 0))
        {
            int equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
                throw new FormatException($"'{path}': '{line}' is not a key=value line.");
            settings[line[..equals]] = line[(equals + 1)..];
        }

        return settings;
    }

    /// <summary>
    /// Each setting whose saved value differs from this run's, as "key saved (this run: value)"; empty when the
    /// saved results can be reused.
    /// </summary>
    public static List<string> Differences(IReadOnlyDictionary<string, string> saved, IReadOnlyDictionary<string, string> current)
    {
        ArgumentNullException.ThrowIfNull(saved);
        ArgumentNullException.ThrowIfNull(current);
        var differences = new List<string>();
        foreach (var (key, value) in current.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            string before = saved.GetValueOrDefault(key) ?? "(none)";
            if (before != value)
                differences.Add(string.Create(CultureInfo.InvariantCulture, $"{key} {before} (this run: {value})"));
        }

        return differences;
    }
}
