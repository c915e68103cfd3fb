using System;
using System.Collections;
using System.Collections.Generic;
using System.Collections.Immutable;

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

        public EquatableArray(IEnumerable<T> items) => this.items = new List<T>(items).ToArray();

        public static EquatableArray<T> Empty => new(Array.Empty<T>());

        public int Count => items?.Length ?? 0;

        public T this[int index] => items![index];

        public bool IsEmpty => Count == 0;

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

        public IEnumerator<T> GetEnumerator() => ((IEnumerable<T>)(items ?? Array.Empty<T>())).GetEnumerator();

        IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();
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
