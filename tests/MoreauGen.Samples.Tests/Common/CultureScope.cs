using System.Globalization;

namespace MoreauGen.Samples.Tests.Common;

/// <summary>Runs a block under a culture whose decimal separator is ',' and whose minus sign is U+2212, then restores.</summary>
internal sealed class CultureScope : IDisposable
{
    private readonly CultureInfo _culture = CultureInfo.CurrentCulture;
    private readonly CultureInfo _uiCulture = CultureInfo.CurrentUICulture;

    public CultureScope()
    {
        var hostile = (CultureInfo)CultureInfo.GetCultureInfo("fr-FR").Clone();
        hostile.NumberFormat.NumberDecimalSeparator = ",";
        hostile.NumberFormat.NumberGroupSeparator = "\u202F";
        hostile.NumberFormat.NegativeSign = "\u2212";
        hostile.NumberFormat.NaNSymbol = "Non-nombre";
        hostile.NumberFormat.PositiveInfinitySymbol = "+∞";
        hostile.NumberFormat.NegativeInfinitySymbol = "\u2212∞";
        CultureInfo.CurrentCulture = hostile;
        CultureInfo.CurrentUICulture = hostile;
    }

    public void Dispose()
    {
        CultureInfo.CurrentCulture = _culture;
        CultureInfo.CurrentUICulture = _uiCulture;
    }
}

/// <summary>A fresh folder under the system temp folder, deleted on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Path = Directory.CreateTempSubdirectory("moreaugen-samples-").FullName;

    public string Path { get; }

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public string[] FileNames() =>
        Directory.GetFiles(Path).Select(f => System.IO.Path.GetFileName(f)!).Order(StringComparer.Ordinal).ToArray();

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
