using System.Text;
using Microsoft.CodeAnalysis.Text;
using MoreauGen.Generator.Emission;

namespace MoreauGen.Generator.Tests;

/// <summary>
/// The writer's text as Roslyn receives it: a large file kept in segment strings (never one string on the large-object
/// heap) has exactly the characters, lines, checksum and encoding of the string the writer builds.
/// </summary>
public sealed class CodeWriterTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(600)]
    [InlineData(20_000)]
    public void The_source_text_has_the_characters_and_lines_of_the_written_string(int lines)
    {
        var code = new CodeWriter();
        code.Open("namespace N");
        for (int i = 0; i < lines; i++)
        {
            code.Line("float v_" + i + " = MathF.Tanh(w[" + (i % 97) + "]) * 1.5f; // ü and λ " + new string('x', i % 13));
            if (i % 1000 == 0)
            {
                code.BeginLine().Append("int k = ").Append(i).Append(';');
                code.EndLine();
            }
        }

        code.Close();
        string written = code.ToString();
        SourceText text = code.ToSourceText();

        Assert.Equal(written.Length, text.Length);
        Assert.Equal(written, text.ToString());
        Assert.Same(Encoding.UTF8, text.Encoding);
        SourceText reference = SourceText.From(written, Encoding.UTF8);
        Assert.Equal(reference.Lines.Count, text.Lines.Count);
        Assert.True(reference.GetChecksum().SequenceEqual(text.GetChecksum()), "checksums differ");
        int middle = written.Length / 2;
        var span = new TextSpan(middle, Math.Min(50_000, written.Length - middle));
        Assert.Equal(written.Substring(span.Start, span.Length), text.ToString(span));
        for (int i = 0; i < written.Length; i += 997)
        {
            Assert.Equal(written[i], text[i]);
        }

        Assert.Equal(written[^1], text[written.Length - 1]);
    }
}
