using System.Linq;
using Microsoft.CodeAnalysis;
using MoreauGen.Generator.Rules;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>
    /// What <see cref="BatchedSyntaxReader"/> checks of an <c>Ops</c> method's signature before it converts the arguments
    /// itself: the rule's parameters (same names, in order, none by reference or params), and at most one type parameter
    /// whose constraints the element type meets, so that T = the element type is the compiler's inference too.
    /// </summary>
    internal static class BatchedSyntaxSignature
    {
        /// <summary>Whether <paramref name="target"/> is <paramref name="rule"/>'s method and can be called with T = <paramref name="element"/>.</summary>
        public static bool Accepts(IMethodSymbol target, TensorRule rule, ITypeSymbol element)
        {
            if (target.Parameters.Length != rule.Parameters.Count || target.TypeParameters.Length > 1 || target.IsExtensionMethod)
            {
                return false;
            }

            for (int i = 0; i < target.Parameters.Length; i++)
            {
                IParameterSymbol parameter = target.Parameters[i];
                if (parameter.Name != rule.Parameters[i].Name || parameter.IsParams || parameter.RefKind != RefKind.None)
                {
                    return false;
                }
            }

            return target.TypeParameters.Length == 0 || Admits(target.TypeParameters[0], element);
        }

        /// <summary>The element type meets every constraint of <paramref name="parameter"/> (interfaces of T, value type, unmanaged).</summary>
        private static bool Admits(ITypeParameterSymbol parameter, ITypeSymbol element)
        {
            if (parameter.HasReferenceTypeConstraint)
            {
                return false;
            }

            foreach (ITypeSymbol constraint in parameter.ConstraintTypes)
            {
                if (constraint is not INamedTypeSymbol { TypeKind: TypeKind.Interface } named ||
                    !named.TypeArguments.All(a => SymbolEqualityComparer.Default.Equals(a, parameter)))
                {
                    return false;
                }

                INamedTypeSymbol expected = named.TypeArguments.Length == 0
                    ? named
                    : named.OriginalDefinition.Construct(Enumerable.Repeat(element, named.TypeArguments.Length).ToArray());
                if (!element.AllInterfaces.Contains(expected, SymbolEqualityComparer.Default))
                {
                    return false;
                }
            }

            return true;
        }

        /// <summary>True for a <c>ReadOnlySpan&lt;T&gt;</c> parameter, false for <c>Span&lt;T&gt;</c> (T the method's type parameter or the element type), else null.</summary>
        public static bool? SpanParameter(IParameterSymbol parameter, ITypeSymbol element) =>
            parameter.Type is INamedTypeSymbol { IsGenericType: true, TypeArguments.Length: 1 } named && IsElement(named.TypeArguments[0], parameter, element)
                ? DisplayNames.Of(named.ConstructedFrom) switch
                {
                    "System.ReadOnlySpan<T>" => true,
                    "System.Span<T>" => false,
                    _ => null,
                }
                : null;

        /// <summary>A parameter of type T (the method's type parameter) or of the element type itself.</summary>
        public static bool IsElementParameter(IParameterSymbol parameter, ITypeSymbol element) => IsElement(parameter.Type, parameter, element);

        private static bool IsElement(ITypeSymbol type, IParameterSymbol parameter, ITypeSymbol element) =>
            SymbolEqualityComparer.Default.Equals(type, element) ||
            (type is ITypeParameterSymbol { TypeParameterKind: TypeParameterKind.Method } typeParameter &&
             SymbolEqualityComparer.Default.Equals(typeParameter.DeclaringMethod, parameter.ContainingSymbol));
    }
}
