using MoreauGen.Samples.Common;

namespace MoreauGen.Samples.Tests.Common;

/// <summary>Output folders: created up front, or refused with a message that says what to do.</summary>
public sealed class OutputFolderTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void A_missing_nested_folder_is_created_and_left_empty()
    {
        string path = Path.Combine(_folder.Path, "runs", "pendulum-out");
        var output = OutputFolder.Prepare(path);
        Assert.True(Directory.Exists(path));
        Assert.Empty(Directory.GetFileSystemEntries(path)); // the write probe is removed
        Assert.Equal(Path.Combine(path, "curves.csv"), output.PathOf("curves.csv"));
    }

    [Fact]
    public void An_existing_folder_is_kept_with_its_files()
    {
        File.WriteAllText(_folder.File("old.csv"), "x");
        OutputFolder.Prepare(_folder.Path);
        Assert.Equal("x", File.ReadAllText(_folder.File("old.csv")));
    }

    [Fact]
    public void A_path_that_is_a_file_is_refused_with_advice()
    {
        string path = _folder.File("taken");
        File.WriteAllText(path, "");
        var e = Assert.Throws<OutputFolderException>(() => OutputFolder.Prepare(path));
        Assert.Contains("is a file", e.Message);
        Assert.Contains("--out", e.Message);
        Assert.Equal(path, e.Path);
    }

    [Fact]
    public void A_folder_that_cannot_be_created_is_refused_with_the_reason()
    {
        string path = Path.Combine(_folder.File("taken"), "inside");
        File.WriteAllText(_folder.File("taken"), "");
        var e = Assert.Throws<OutputFolderException>(() => OutputFolder.Prepare(path));
        Assert.Contains("cannot create or write", e.Message);
        Assert.NotNull(e.InnerException);
    }
}
