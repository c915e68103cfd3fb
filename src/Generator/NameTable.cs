using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;

namespace MoreauGen.Generator
{
    /// <summary>
    /// Hands out local names that do not collide with the user's names or with each other, preferring
    /// readable ones: the preferred name itself, else <c>name_2</c>, <c>name_3</c>, …; numbered families
    /// (<c>t1</c>, <c>t2</c>) for temporaries.
    /// </summary>
    internal sealed class NameTable
    {
        private static readonly HashSet<string> NoNames = new(StringComparer.Ordinal);

        private readonly HashSet<string> taken = new(StringComparer.Ordinal);
        private readonly HashSet<string> shared;
        private readonly Dictionary<string, int> counters = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> freshNext = new(StringComparer.Ordinal);

        public NameTable(IEnumerable<string> reserved)
        {
            shared = NoNames;
            foreach (string name in reserved)
            {
                taken.Add(name);
            }
        }

        /// <summary>
        /// A table whose reserved names are <paramref name="shared"/>, read and never written (the members of one generated
        /// file each take names against the body's, which a table per member used to copy).
        /// </summary>
        private NameTable(HashSet<string> shared) => this.shared = shared;

        /// <summary>A table over the reserved names <paramref name="shared"/> (an ordinal set the caller no longer changes).</summary>
        public static NameTable Over(HashSet<string> shared) => new(shared);

        public bool IsTaken(string name) => shared.Contains(name) || taken.Contains(name);

        /// <summary>Every name taken so far (reserved or handed out).</summary>
        public IEnumerable<string> Taken => shared.Count == 0 ? taken : shared.Concat(taken);

        /// <summary>
        /// Every name taken so far, each once, in the order taken (the shared names first): what the emitter avoids, as a
        /// set. No name is both shared and taken (<see cref="Claim"/>, <see cref="Take"/> and <see cref="Numbered"/> look at
        /// both), so this is a copy, not a sort.
        /// </summary>
        public string[] TakenArray()
        {
            var names = new string[shared.Count + taken.Count];
            shared.CopyTo(names, 0);
            taken.CopyTo(names, shared.Count);
            return names;
        }

        /// <summary>Marks <paramref name="name"/> as used (a user's name the generated code keeps).</summary>
        public void Claim(string name)
        {
            if (!shared.Contains(name))
            {
                taken.Add(name);
            }
        }

        private bool Take(string name) => !shared.Contains(name) && taken.Add(name);

        /// <summary><paramref name="preferred"/> if free, else the first free <c>preferred_k</c>, k ≥ 2.</summary>
        /// <remarks>
        /// Names are never released, so the first free k only grows: the search resumes where the last one for the
        /// same preferred name stopped, which keeps n versions of one name linear instead of quadratic.
        /// </remarks>
        public string Fresh(string preferred)
        {
            if (Take(preferred))
            {
                return preferred;
            }

            freshNext.TryGetValue(preferred, out int k);
            string name;
            for (k = Math.Max(k, 2); ; k++)
            {
                name = preferred + "_" + k.ToString(CultureInfo.InvariantCulture);
                if (Take(name))
                {
                    break;
                }
            }

            freshNext[preferred] = k + 1;
            return name;
        }

        /// <summary>The next free name of the family <c>prefix1</c>, <c>prefix2</c>, ….</summary>
        public string Numbered(string prefix)
        {
            counters.TryGetValue(prefix, out int k);
            string name;
            do
            {
                k++;
                name = prefix + k.ToString(CultureInfo.InvariantCulture);
            }
            while (IsTaken(name));

            counters[prefix] = k;
            taken.Add(name);
            return name;
        }
    }
}
