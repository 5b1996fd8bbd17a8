using LossGen.Generator.Syntax;

namespace LossGen.Generator.Semantics;

/// <summary>A diagnostic of the expression compiler, located by a span of the expression string.</summary>
internal sealed record DslDiagnostic(string Id, Span Span, params string[] Arguments)
{
    /// <summary>For a warning with a code fix: the expression text that replaces <see cref="Span"/>.</summary>
    public string? Replacement { get; init; }
}
