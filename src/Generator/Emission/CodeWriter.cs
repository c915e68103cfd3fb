using System.IO;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace MoreauGen.Generator.Emission
{
    /// <summary>A <see cref="StringBuilder"/> that indents lines by four spaces per level.</summary>
    internal sealed class CodeWriter
    {
        private readonly StringBuilder text = new();
        private int indent;

        public void Line(string line = "")
        {
            if (line.Length > 0)
            {
                text.Append(' ', indent * 4);
                text.Append(line);
            }

            text.Append('\n');
        }

        /// <summary>
        /// Starts a line (its indentation) and hands back the text to write the line into, so a printer writes a statement
        /// in place rather than building a string of it first; <see cref="EndLine"/> ends it.
        /// </summary>
        public StringBuilder BeginLine() => text.Append(' ', indent * 4);

        /// <summary>Ends a line begun by <see cref="BeginLine"/>.</summary>
        public void EndLine() => text.Append('\n');

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

        public override string ToString() => text.ToString();

        /// <summary>
        /// The text written, as a UTF-8 <see cref="SourceText"/> read from the builder's chunks: above Roslyn's
        /// large-object limit <see cref="SourceText.From(TextReader, int, Encoding?, SourceHashAlgorithm)"/> keeps it in
        /// chunks, so a large file is never one string on the large-object heap, whose allocations start full
        /// (generation 2) garbage collections of everything the compilation holds.
        /// </summary>
        public SourceText ToSourceText() => SourceText.From(new Reader(text), text.Length, Encoding.UTF8);

        /// <summary>Reads a <see cref="StringBuilder"/> front to back without copying it into one string.</summary>
        private sealed class Reader : TextReader
        {
            private readonly StringBuilder text;
            private int position;

            public Reader(StringBuilder text) => this.text = text;

            public override int Peek() => position < text.Length ? text[position] : -1;

            public override int Read() => position < text.Length ? text[position++] : -1;

            public override string ReadToEnd()
            {
                string rest = text.ToString(position, text.Length - position);
                position = text.Length;
                return rest;
            }

            public override int Read(char[] buffer, int index, int count)
            {
                int n = System.Math.Min(count, text.Length - position);
                text.CopyTo(position, buffer, index, n);
                position += n;
                return n;
            }
        }
    }
}
