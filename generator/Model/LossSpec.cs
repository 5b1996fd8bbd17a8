using System;

namespace LossGen.Generator.Model;

/// <summary>The class a loss is declared on: enough to re-open it as a partial class.</summary>
internal sealed record TypeSpec(string Namespace, EquatableArray<string> ContainingTypes, string Name, string Accessibility)
{
    public string FullName => (Namespace.Length > 0 ? Namespace + "." : string.Empty) + string.Join(".", ContainingTypes.AsSpan().ToArray()) + (ContainingTypes.Count > 0 ? "." : string.Empty) + Name;
}

/// <summary>A hyper-parameter: <c>[LossParameter("name", default)]</c>.</summary>
internal sealed record ParameterSpec(string Name, double DefaultValue, LocationInfo? Location);

/// <summary>A tensor input of a loss (canned losses choose their own; <c>[Loss]</c> has x, y, t, w).</summary>
internal sealed record InputDecl(string Name, int Layout, bool Differentiable, string Role);

/// <summary>
/// Where the expression came from: the string literal's token, so a diagnostic can point inside it. Kept as text,
/// never as a syntax node.
/// </summary>
internal sealed record LiteralInfo(string FilePath, int Start, int Line, int Column, string TokenText);

/// <summary>Everything the compiler needs about one declared loss, as plain equatable data.</summary>
internal sealed record LossSpec(
    TypeSpec Type,
    string Attribute,
    string Expression,
    int Reduction,
    int Classes,
    int ClassAxis,
    bool HasIgnoreIndex,
    int IgnoreIndex,
    EquatableArray<ParameterSpec> Parameters,
    EquatableArray<InputDecl> Inputs,
    LiteralInfo? Literal,
    LocationInfo? AttributeLocation,
    EquatableArray<DiagnosticInfo> Diagnostics,
    string Description);

/// <summary>The generated source of one loss and the diagnostics of compiling it.</summary>
internal sealed record GeneratedLoss(string HintName, string Source, EquatableArray<DiagnosticInfo> Diagnostics);

internal static class ReductionNames
{
    public static string Name(int reduction) => reduction switch
    {
        0 => "None",
        1 => "Mean",
        2 => "Sum",
        3 => "BatchMean",
        _ => throw new ArgumentOutOfRangeException(nameof(reduction)),
    };
}
