using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace MoreauGen.Generator.Model
{
    /// <summary>A source location kept as plain data, so that models and diagnostics stay equatable.</summary>
    internal sealed record LocationInfo(string FilePath, TextSpan Span, LinePositionSpan LineSpan)
    {
        public Location ToLocation() => Location.Create(FilePath, Span, LineSpan);

        public static LocationInfo? From(Location? location)
        {
            if (location is null || location.SourceTree is null)
            {
                return null;
            }

            return new LocationInfo(location.SourceTree.FilePath, location.SourceSpan, location.GetLineSpan().Span);
        }

        public static LocationInfo? From(SyntaxNode? node) => node is null ? null : From(node.GetLocation());

        public static LocationInfo? From(SyntaxToken token) => From(token.GetLocation());
    }

    /// <summary>A diagnostic to report: the descriptor id, where, and the message arguments.</summary>
    internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
    {
        public static DiagnosticInfo Create(DiagnosticDescriptor descriptor, LocationInfo? location, params string[] arguments) =>
            new(descriptor.Id, location, new EquatableArray<string>(arguments));
    }
}
