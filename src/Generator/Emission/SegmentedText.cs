using System;
using System.Text;
using Microsoft.CodeAnalysis.Text;

namespace MoreauGen.Generator.Emission
{
    /// <summary>
    /// A UTF-8 <see cref="SourceText"/> over the segment strings a <see cref="CodeWriter"/> wrote, read in place: the
    /// generated file's characters are never copied into one large string. Immutable.
    /// </summary>
    internal sealed class SegmentedText : SourceText
    {
        private readonly string[] segments;
        private readonly int[] starts;
        private readonly int length;

        public SegmentedText(string[] segments)
        {
            this.segments = segments;
            starts = new int[segments.Length];
            int at = 0;
            for (int i = 0; i < segments.Length; i++)
            {
                starts[i] = at;
                at += segments[i].Length;
            }

            length = at;
        }

        public override Encoding Encoding => Encoding.UTF8;

        public override int Length => length;

        public override char this[int position]
        {
            get
            {
                if ((uint)position >= (uint)length)
                {
                    throw new ArgumentOutOfRangeException(nameof(position));
                }

                int segment = SegmentOf(position);
                return segments[segment][position - starts[segment]];
            }
        }

        public override void CopyTo(int sourceIndex, char[] destination, int destinationIndex, int count)
        {
            if (sourceIndex < 0 || count < 0 || sourceIndex > length - count)
            {
                throw new ArgumentOutOfRangeException(nameof(sourceIndex));
            }

            for (int segment = count == 0 ? segments.Length : SegmentOf(sourceIndex); count > 0; segment++)
            {
                int offset = sourceIndex - starts[segment];
                int n = Math.Min(count, segments[segment].Length - offset);
                segments[segment].CopyTo(offset, destination, destinationIndex, n);
                sourceIndex += n;
                destinationIndex += n;
                count -= n;
            }
        }

        /// <summary>The segment holding <paramref name="position"/> (0 ≤ position &lt; length).</summary>
        private int SegmentOf(int position)
        {
            int found = Array.BinarySearch(starts, position);
            return found >= 0 ? found : ~found - 1;
        }
    }
}
