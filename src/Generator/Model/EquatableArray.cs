using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;

namespace MoreauGen.Generator.Model
{
    /// <summary>
    /// An immutable array compared by its elements, so that pipeline models holding lists stay equal when
    /// their contents are (the incremental generator caches on model equality).
    /// </summary>
    internal readonly struct EquatableArray<T> : IEquatable<EquatableArray<T>>, IReadOnlyList<T>
        where T : IEquatable<T>
    {
        private readonly T[]? items;

        public EquatableArray(T[] items) => this.items = items;

        /// <summary>A copy of <paramref name="items"/> (one array of the exact length when the count is known).</summary>
        public EquatableArray(IEnumerable<T> items) => this.items = items.ToArray();

        public static EquatableArray<T> Empty => new(Array.Empty<T>());

        public int Count => items?.Length ?? 0;

        public T this[int index] => items![index];

        public bool IsEmpty => Count == 0;

        /// <summary>Whether <paramref name="other"/> wraps the very same array (a check in constant time, unlike <see cref="Equals(EquatableArray{T})"/>).</summary>
        public bool SameItems(EquatableArray<T> other) => ReferenceEquals(items, other.items);

        public bool Equals(EquatableArray<T> other)
        {
            T[] left = items ?? Array.Empty<T>();
            T[] right = other.items ?? Array.Empty<T>();
            if (left.Length != right.Length)
            {
                return false;
            }

            for (int i = 0; i < left.Length; i++)
            {
                if (!EqualityComparer<T>.Default.Equals(left[i], right[i]))
                {
                    return false;
                }
            }

            return true;
        }

        public override bool Equals(object? obj) => obj is EquatableArray<T> other && Equals(other);

        public override int GetHashCode()
        {
            int hash = 17;
            if (items is not null)
            {
                foreach (T item in items)
                {
                    hash = unchecked(hash * 31 + (item is null ? 0 : EqualityComparer<T>.Default.GetHashCode(item)));
                }
            }

            return hash;
        }

        public static bool operator ==(EquatableArray<T> left, EquatableArray<T> right) => left.Equals(right);

        public static bool operator !=(EquatableArray<T> left, EquatableArray<T> right) => !left.Equals(right);

        public ImmutableArray<T> AsImmutableArray() => items is null ? ImmutableArray<T>.Empty : ImmutableArray.Create(items);

        /// <summary>The items in a new list of the exact capacity (shadows LINQ's <c>ToList</c>, which grows a list item by item).</summary>
        public List<T> ToList() => new(items ?? Array.Empty<T>());

        /// <summary>A struct enumerator: <c>foreach</c> over the array allocates nothing.</summary>
        public Enumerator GetEnumerator() => new(items ?? Array.Empty<T>());

        IEnumerator<T> IEnumerable<T>.GetEnumerator() => ((IEnumerable<T>)(items ?? Array.Empty<T>())).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => ((IEnumerable<T>)this).GetEnumerator();

        /// <summary>Walks the items of an <see cref="EquatableArray{T}"/> without allocating.</summary>
        public struct Enumerator
        {
            private readonly T[] items;
            private int index;

            internal Enumerator(T[] items)
            {
                this.items = items;
                index = -1;
            }

            public T Current => items[index];

            public bool MoveNext() => ++index < items.Length;
        }
    }

    /// <summary>Builds <see cref="EquatableArray{T}"/> values.</summary>
    internal static class EquatableArray
    {
        public static EquatableArray<T> From<T>(IEnumerable<T> items)
            where T : IEquatable<T> => new(items);

        public static EquatableArray<T> Of<T>(params T[] items)
            where T : IEquatable<T> => new(items);
    }
}
