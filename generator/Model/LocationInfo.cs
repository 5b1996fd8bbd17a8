using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LossGen.Generator.Model;

/// <summary>A source location as plain data (no syntax tree is kept in a pipeline model).</summary>
internal sealed record LocationInfo(string FilePath, int Start, int Length, int StartLine, int StartColumn, int EndLine, int EndColumn)
{
    public Location ToLocation(Compilation? compilation = null)
    {
        foreach (SyntaxTree tree in compilation?.SyntaxTrees ?? System.Linq.Enumerable.Empty<SyntaxTree>())
        {
            if (tree.FilePath == FilePath && Start + Length <= tree.Length)
            {
                return Location.Create(tree, new TextSpan(Start, Length));
            }
        }

        return Location.Create(
            FilePath,
            new TextSpan(Start, Length),
            new LinePositionSpan(new LinePosition(StartLine, StartColumn), new LinePosition(EndLine, EndColumn)));
    }

    public static LocationInfo? From(Location? location)
    {
        if (location is null || location.SourceTree is null)
        {
            return null;
        }

        FileLinePositionSpan line = location.GetLineSpan();
        return new LocationInfo(
            location.SourceTree.FilePath,
            location.SourceSpan.Start,
            location.SourceSpan.Length,
            line.StartLinePosition.Line,
            line.StartLinePosition.Character,
            line.EndLinePosition.Line,
            line.EndLinePosition.Character);
    }

    public static LocationInfo From(SyntaxTree tree, TextSpan span)
    {
        FileLinePositionSpan line = tree.GetLineSpan(span);
        return new LocationInfo(
            tree.FilePath,
            span.Start,
            span.Length,
            line.StartLinePosition.Line,
            line.StartLinePosition.Character,
            line.EndLinePosition.Line,
            line.EndLinePosition.Character);
    }
}

/// <summary>A diagnostic as plain data, reported by the generator's diagnostics branch.</summary>
internal sealed record DiagnosticInfo(string Id, LocationInfo? Location, EquatableArray<string> Arguments)
{
    /// <summary>For a warning with a code fix: the expression text that replaces the located characters.</summary>
    public string? Replacement { get; init; }

    public Diagnostic ToDiagnostic(Compilation? compilation = null)
    {
        DiagnosticDescriptor descriptor = Diagnostics.DiagnosticDescriptors.ById(Id);
        System.Collections.Immutable.ImmutableDictionary<string, string?>? properties = Replacement is null
            ? null
            : System.Collections.Immutable.ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.ReplacementProperty, Replacement);
        return Diagnostic.Create(descriptor, Location?.ToLocation(compilation), properties, System.Linq.Enumerable.ToArray(System.Linq.Enumerable.Cast<object>(Arguments)));
    }
}
