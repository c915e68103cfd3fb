using Microsoft.CodeAnalysis.Text;

namespace MoreauGen.Generator.Tests.Infrastructure;

/// <summary>C# with one span marked as <c>[|…|]</c>: the text without the marks, and the marked span.</summary>
internal sealed record MarkedSource(string Text, TextSpan Span)
{
    public static MarkedSource Parse(string marked)
    {
        int start = marked.IndexOf("[|", StringComparison.Ordinal);
        int end = marked.IndexOf("|]", StringComparison.Ordinal);
        if (start < 0 || end < start)
        {
            throw new ArgumentException("The source has no [|…|] mark.", nameof(marked));
        }

        string text = marked[..start] + marked[(start + 2)..end] + marked[(end + 2)..];
        return new MarkedSource(text, TextSpan.FromBounds(start, end - 2));
    }
}
