using System.Text;

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
    }
}
