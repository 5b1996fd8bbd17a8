using System;

namespace LossGen.Generator.Model;

/// <summary>The class a loss is declared on: enough to re-open it as a partial class.</summary>
internal sealed record TypeSpec(string Namespace, EquatableArray<string> ContainingTypes, string Name, string Accessibility)
{
    /// <summary>The name of the generated file: the full name, with braces for a generic's angle brackets.</summary>
    public string HintName => FullName.Replace('<', '{').Replace('>', '}') + ".LossGen.g.cs";

    public string FullName => (Namespace.Length > 0 ? Namespace + "." : string.Empty) + string.Join(".", ContainingTypes.AsSpan().ToArray()) + (ContainingTypes.Count > 0 ? "." : string.Empty) + Name;
}

/// <summary>A hyper-parameter: <c>[LossParameter("name", default)]</c>.</summary>
internal sealed record ParameterSpec(string Name, double DefaultValue);

/// <summary>
/// A tensor input of a loss (canned losses choose their own; <c>[Loss]</c> has x, y, t, w unless it declares
/// <c>[LossTensor]</c>s). <see cref="Name"/> is the compiler's name: <c>x</c> for the first prediction, <c>t</c> for class
/// indices. <see cref="Public"/>, when set, is the name the expression and the generated methods use (a named input):
/// the loss then takes exactly its declared tensors, in declaration order, and every differentiable one gets a gradient.
/// <see cref="Role"/> is what the docs say it holds; for the prediction, "logits", "probabilities" or
/// "log-probabilities" also tell the analyzers, and an empty role is inferred from the expression.
/// </summary>
internal sealed record InputDecl(string Name, InputLayout Layout, bool Differentiable, string Role, string? Public = null)
{
    /// <summary>The name the user sees: in the expression, the generated parameters and the exception messages.</summary>
    public string Shown => Public ?? Name;
}

/// <summary>How a tensor input is laid out relative to <c>x</c>.</summary>
internal enum InputLayout
{
    /// <summary>The shape of <c>x</c>.</summary>
    LikeX,
    /// <summary>A vector of length C along the class axis.</summary>
    PerClass,
    /// <summary>One value per position: the shape of x without the class axis (the shape of <c>t</c>).</summary>
    PerRow,
}


/// <summary>
/// Everything the compiler needs about one declared loss, as plain equatable data with no source position (the compile
/// step's key). <see cref="LiteralToken"/> is the text of the expression's string literal token (with its quotes and
/// escapes), so a diagnostic can be anchored to the characters that spelled the offending token; null when the
/// expression is not a literal (a constant).
/// </summary>
internal sealed record LossSpec(
    TypeSpec Type,
    string Attribute,
    string Expression,
    Reduction Reduction,
    int Classes,
    int ClassAxis,
    bool HasIgnoreIndex,
    int IgnoreIndex,
    EquatableArray<ParameterSpec> Parameters,
    EquatableArray<InputDecl> Inputs,
    string? LiteralToken,
    EquatableArray<DiagnosticInfo> Diagnostics,
    string Description)
{
    /// <summary>
    /// The runtime kernel of a canned loss that the language cannot say (a dynamic program over time: "Ctc"), or empty:
    /// every other loss is compiled from <see cref="Expression"/>.
    /// </summary>
    public string Kernel { get; init; } = string.Empty;

    /// <summary>
    /// A second form of the loss, compiled into the same class (its kernels named apart), that the generated methods
    /// call where <see cref="VariantCondition"/> (C# over the public parameters) holds: GaussianNllLoss with a var of one
    /// value per sample. Null for one form.
    /// </summary>
    public LossSpec? Variant { get; init; }

    public string VariantCondition { get; init; } = string.Empty;

    /// <summary>The runtime kernel's options, by name (Blank, ZeroInfinity).</summary>
    public EquatableArray<ParameterSpec> KernelOptions { get; init; } = EquatableArray<ParameterSpec>.Empty;
}

/// <summary>The generated source of one loss and the diagnostics of compiling it (anchored, position-free).</summary>
internal sealed record GeneratedLoss(string HintName, string Source, EquatableArray<DiagnosticInfo> Diagnostics);

/// <summary>How the per-position losses become the result (the runtime's <c>LossGen.Reduction</c>, same values).</summary>
internal enum Reduction
{
    None = 0,
    Mean = 1,
    Sum = 2,
    BatchMean = 3,
}
