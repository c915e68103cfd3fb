using System.Collections.Generic;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace MoreauGen.Generator.Emission
{
    /// <summary>
    /// A <see cref="StringBuilder"/> that indents lines by four spaces per level. Past a few tens of thousands of
    /// characters the builder is moved, at the end of a line, into a segment string below the large-object limit and
    /// reused, so a large file is a list of small strings that <see cref="ToSourceText"/> hands to Roslyn as they are.
    /// </summary>
    internal sealed class CodeWriter
    {
        /// <summary>Characters per segment: a string of them stays below the 85,000-byte large-object threshold.</summary>
        private const int SegmentChars = 32 * 1024;

        private readonly StringBuilder text = new();
        private readonly List<string> segments = new();
        private int indent;

        public void Line(string line = "")
        {
            if (line.Length > 0)
            {
                text.Append(' ', indent * 4);
                text.Append(line);
            }

            EndLine();
        }

        /// <summary>
        /// Starts a line (its indentation) and hands back the text to write the line into, so a printer writes a statement
        /// in place rather than building a string of it first; <see cref="EndLine"/> ends it.
        /// </summary>
        public StringBuilder BeginLine() => text.Append(' ', indent * 4);

        /// <summary>Ends a line begun by <see cref="BeginLine"/>.</summary>
        public void EndLine()
        {
            text.Append('\n');
            if (text.Length >= SegmentChars)
            {
                segments.Add(text.ToString());
                text.Clear();
            }
        }

        /// <summary>Writes <paramref name="header"/> and an opening brace, and indents.</summary>
        public void Open(string header)
        {
            Line(header);
            Line("{");
            indent++;
        }

        /// <summary>Writes a bare opening brace (a block of its own) and indents.</summary>
        public void OpenBlock()
        {
            Line("{");
            indent++;
        }

        /// <summary>Unindents and writes a closing brace.</summary>
        public void Close()
        {
            indent--;
            Line("}");
        }

        public override string ToString() => segments.Count == 0 ? text.ToString() : string.Concat(segments) + text.ToString();

        /// <summary>
        /// The text written, as UTF-8 <see cref="SourceText"/>: a large file stays in its segments (<see cref="SegmentedText"/>),
        /// so it is never copied into one string on the large-object heap, whose allocations start full (generation 2)
        /// garbage collections of everything the compilation holds.
        /// </summary>
        public SourceText ToSourceText()
        {
            if (segments.Count == 0)
            {
                return SourceText.From(text.ToString(), Encoding.UTF8);
            }

            if (text.Length > 0)
            {
                segments.Add(text.ToString());
                text.Clear();
            }

            return new SegmentedText(segments.ToArray());
        }
    }
}
