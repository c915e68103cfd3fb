using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using MoreauGen.Generator.Diagnostics;
using MoreauGen.Generator.Model;

namespace MoreauGen.Generator.Parsing
{
    /// <summary>The attribute and the sizes it fixes. Part of <see cref="LayerParser"/>.</summary>
    internal sealed partial class LayerParser
    {
        private LayerSizes? CheckAttribute(AttributeData attribute, INamedTypeSymbol type)
        {
            bool ok = true;
            int? Size(string argument, string property)
            {
                int value = -1;
                LocationInfo? where = AttributeLocation(attribute);
                foreach (KeyValuePair<string, TypedConstant> named in attribute.NamedArguments)
                {
                    if (named.Key == argument && named.Value.Value is int given)
                    {
                        value = given;
                        where = ArgumentLocation(attribute, argument) ?? where;
                    }
                }

                bool declared = FindMembers(type, property).Any();
                // A size the type declares must be public to implement the interface's member.
                bool declaredPublic = FindMembers(type, property).Any(m => m.DeclaredAccessibility == Accessibility.Public);
                if (value < -1)
                {
                    Report(DiagnosticDescriptors.InvalidSize, where, argument, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
                    ok = false;
                    return null;
                }

                if (value >= 0 && declared)
                {
                    Report(DiagnosticDescriptors.SizeGivenTwice, where, argument, property);
                    ok = false;
                    return null;
                }

                if (value < 0 && !declaredPublic)
                {
                    Report(DiagnosticDescriptors.SizeMissing, where, method.Name, argument, property);
                    ok = false;
                    return null;
                }

                return value >= 0 ? value : null;
            }

            if (kind == ModelKind.Objective)
            {
                int? objectiveInputs = Size("Inputs", "InputCount");
                return ok ? new LayerSizes(null, objectiveInputs, null) : null;
            }

            int? parameters = Size("Parameters", "ParameterCount");
            int? inputs = Size("Inputs", "InputCount");
            int? outputs = Size("Outputs", "OutputCount");

            return ok ? new LayerSizes(parameters, inputs, outputs) : null;
        }

        private static IEnumerable<ISymbol> FindMembers(INamedTypeSymbol type, string name)
        {
            for (INamedTypeSymbol? current = type; current is not null && current.SpecialType != SpecialType.System_Object; current = current.BaseType)
            {
                foreach (ISymbol member in current.GetMembers(name))
                {
                    if (!member.IsImplicitlyDeclared)
                    {
                        yield return member;
                    }
                }
            }
        }

        private static LocationInfo? AttributeLocation(AttributeData attribute) =>
            LocationInfo.From(attribute.ApplicationSyntaxReference?.GetSyntax());

        private static LocationInfo? ArgumentLocation(AttributeData attribute, string name)
        {
            if (attribute.ApplicationSyntaxReference?.GetSyntax() is AttributeSyntax { ArgumentList: { } list })
            {
                foreach (AttributeArgumentSyntax argument in list.Arguments)
                {
                    if (argument.NameEquals?.Name.Identifier.ValueText == name)
                    {
                        return LocationInfo.From(argument);
                    }
                }
            }

            return null;
        }
    }
}
