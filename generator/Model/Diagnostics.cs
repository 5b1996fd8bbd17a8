using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Text;

namespace LossGen.Generator.Model;

/// <summary>What part of a declaration a diagnostic points at.</summary>
internal enum AnchorKind
{
    /// <summary>The loss attribute.</summary>
    Attribute,
    /// <summary>The class name.</summary>
    ClassName,
    /// <summary>The <see cref="Anchor.Index"/>-th <c>[LossParameter]</c> attribute.</summary>
    Parameter,
    /// <summary>The <see cref="Anchor.Index"/>-th <c>[LossTensor]</c> attribute.</summary>
    Tensor,
    /// <summary>Characters <see cref="Anchor.Start"/> .. + <see cref="Anchor.Length"/> of the expression's string literal token.</summary>
    Literal,
}

/// <summary>
/// Where a diagnostic points, relative to its declaration and never as a source position: an edit above a loss moves
/// no anchor, so the compile step's input and output stay equal and nothing is recompiled.
/// <see cref="LossPlaces"/> turns an anchor into a location in the reporting step.
/// </summary>
internal sealed record Anchor(AnchorKind Kind, int Index = 0, int Start = 0, int Length = 0)
{
    public static readonly Anchor Attribute = new(AnchorKind.Attribute);

    public static readonly Anchor ClassName = new(AnchorKind.ClassName);

    public static Anchor Parameter(int index) => new(AnchorKind.Parameter, index);

    public static Anchor Tensor(int index) => new(AnchorKind.Tensor, index);

    public static Anchor InLiteral(int start, int length) => new(AnchorKind.Literal, 0, start, length);
}

/// <summary>A diagnostic as plain data: id, anchor and message arguments.</summary>
internal sealed record DiagnosticInfo(string Id, Anchor Anchor, EquatableArray<string> Arguments)
{
    /// <summary>For a warning with a code fix: the expression text that replaces the anchored characters.</summary>
    public string? Replacement { get; init; }

    public Diagnostic ToDiagnostic(LossPlaces? places)
    {
        DiagnosticDescriptor descriptor = Diagnostics.DiagnosticDescriptors.ById(Id);
        ImmutableDictionary<string, string?>? properties = Replacement is null
            ? null
            : ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.ReplacementProperty, Replacement);
        return Diagnostic.Create(descriptor, places?.Locate(Anchor), properties, Arguments.Cast<object>().ToArray());
    }
}

/// <summary>
/// The source locations of one declaration, for the reporting step only (never an input of the compile step). They are
/// the compiler's own locations, in their syntax trees, so <c>#pragma warning</c>, <c>.editorconfig</c> severities and
/// the code fixes apply to the diagnostics; the step that carries them re-runs on every edit of the file, and does
/// nothing but match anchors to them.
/// </summary>
internal sealed record LossPlaces(string HintName, Location? Attribute, Location? ClassName, Location? Literal, ImmutableArray<Location?> Parameters, ImmutableArray<Location?> Tensors = default)
{
    public Location? Locate(Anchor anchor)
    {
        switch (anchor.Kind)
        {
            case AnchorKind.Literal when Literal?.SourceTree is { } tree:
                return Location.Create(tree, new TextSpan(Literal.SourceSpan.Start + anchor.Start, anchor.Length));
            case AnchorKind.Parameter when anchor.Index < Parameters.Length && Parameters[anchor.Index] is { } parameter:
                return parameter;
            case AnchorKind.Tensor when !Tensors.IsDefault && anchor.Index < Tensors.Length && Tensors[anchor.Index] is { } tensor:
                return tensor;
            case AnchorKind.ClassName when ClassName is not null:
                return ClassName;
            default:
                return Attribute;
        }
    }
}

/// <summary>What extraction reads from one declaration: the position-free compile key and the places of its diagnostics.</summary>
internal sealed record LossDeclaration(LossSpec Spec, LossPlaces Places);
