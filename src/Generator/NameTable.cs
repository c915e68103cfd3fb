using System;
using System.Collections.Generic;
using System.Globalization;

namespace MoreauGen.Generator
{
    /// <summary>
    /// Hands out local names that do not collide with the user's names or with each other, preferring
    /// readable ones: the preferred name itself, else <c>name_2</c>, <c>name_3</c>, …; numbered families
    /// (<c>t1</c>, <c>t2</c>) for temporaries.
    /// </summary>
    internal sealed class NameTable
    {
        private readonly HashSet<string> taken = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> counters = new(StringComparer.Ordinal);
        private readonly Dictionary<string, int> freshNext = new(StringComparer.Ordinal);

        public NameTable(IEnumerable<string> reserved)
        {
            foreach (string name in reserved)
            {
                taken.Add(name);
            }
        }

        public bool IsTaken(string name) => taken.Contains(name);

        /// <summary>Every name taken so far (reserved or handed out).</summary>
        public IEnumerable<string> Taken => taken;

        /// <summary>Marks <paramref name="name"/> as used (a user's name the generated code keeps).</summary>
        public void Claim(string name) => taken.Add(name);

        /// <summary><paramref name="preferred"/> if free, else the first free <c>preferred_k</c>, k ≥ 2.</summary>
        /// <remarks>
        /// Names are never released, so the first free k only grows: the search resumes where the last one for the
        /// same preferred name stopped, which keeps n versions of one name linear instead of quadratic.
        /// </remarks>
        public string Fresh(string preferred)
        {
            if (taken.Add(preferred))
            {
                return preferred;
            }

            freshNext.TryGetValue(preferred, out int k);
            string name;
            for (k = Math.Max(k, 2); ; k++)
            {
                name = preferred + "_" + k.ToString(CultureInfo.InvariantCulture);
                if (taken.Add(name))
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
            while (taken.Contains(name));

            counters[prefix] = k;
            taken.Add(name);
            return name;
        }
    }
}
