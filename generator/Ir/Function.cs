using System;
using System.Linq;

namespace LossGen.Generator.Ir;

internal enum FunctionKind
{
    /// <summary>An infix operator (<c>+ - * / ^</c>, unary minus).</summary>
    Operator,
    /// <summary>An elementwise function: broadcasts like the operators.</summary>
    Elementwise,
    /// <summary>A reduction over the class axis: class-shaped in, row-shaped out.</summary>
    Reduction,
    /// <summary>Defined by other functions (<c>softmax</c>, <c>log_softmax</c>, <c>mean</c>).</summary>
    Composite,
    /// <summary>Allowed only as the whole loss (<c>mean_by</c>).</summary>
    Root,
    /// <summary>Takes the class-index target <c>t</c> itself (<c>one_hot</c>).</summary>
    Target,
}

/// <summary>How a reduction combines values along the class axis.</summary>
internal enum ReduceKind
{
    None,
    Sum,
    Max,
    Min,
    LogSumExp,
}

/// <summary>What using a value as a function's argument says about the kind of that value (see <c>InputKinds</c>).</summary>
internal enum ArgumentUse
{
    /// <summary>Nothing: the value may be anything.</summary>
    Any,
    /// <summary>Linear in its arguments: what the result is used as, the arguments are used as too.</summary>
    Linear,
    /// <summary>Expects unnormalised scores (log-sum-exp, sigmoid, softplus): the argument is logits.</summary>
    Logits,
    /// <summary>Expects probabilities (log, bce, xlogy): the argument is probabilities.</summary>
    Probabilities,
}

/// <summary>
/// A call of this function on a call of <see cref="Inner"/> that the language has a stable form for: warning
/// <see cref="DiagnosticId"/> with the fix <c>Better(inner argument)</c> (<c>log(softmax(x))</c> is <c>log_softmax(x)</c>).
/// </summary>
internal sealed record FragileCall(string Inner, string DiagnosticId, string Better);

/// <summary>
/// One function of the language. A row of <see cref="Functions.All"/> is everything the compiler knows about it:
/// name and arity (parsing and binding), kind (shape rules), <see cref="Partials"/> (reverse-mode derivative rule),
/// <see cref="CSharp"/> and <see cref="Vector"/> (emission), <see cref="Fold"/> (constant folding), what it says about
/// its argument (<see cref="Use"/>, <see cref="Fragile"/>, <see cref="Normalizes"/>), its cost (<see cref="Costly"/>)
/// and its documentation (<see cref="Summary"/>, <see cref="GradientDoc"/>, <see cref="Parameters"/>), from which
/// docs/dsl.md's function tables are rendered.
/// </summary>
internal sealed class Function
{
    public Function(string name, int arity, FunctionKind kind, string summary)
    {
        Name = name;
        Arity = arity;
        Kind = kind;
        Summary = summary;
    }

    public string Name { get; }

    public int Arity { get; }

    public FunctionKind Kind { get; }

    /// <summary>What the function computes (Markdown: the "meaning" column of docs/dsl.md).</summary>
    public string Summary { get; }

    /// <summary>Its gradient in words (Markdown: the "gradient" column of docs/dsl.md); null for helpers.</summary>
    public string? GradientDoc { get; init; }

    /// <summary>Parameter names, for the docs (<c>clamp(a, lo, hi)</c>); by default <c>a, b, c</c>, or <c>e</c> over the class axis.</summary>
    public string[]? Parameters { get; init; }

    /// <summary>What calling it on a value says about that value (logits, probabilities, linear, nothing).</summary>
    public ArgumentUse Use { get; init; }

    /// <summary>Calls on other functions that the language has a stable spelling for (warnings with a fix).</summary>
    public FragileCall[] Fragile { get; init; } = Array.Empty<FragileCall>();

    /// <summary>Normalises over the class axis (softmax, log_softmax): applying two of them in a row is a warning.</summary>
    public bool Normalizes { get; init; }

    /// <summary>
    /// Worth computing once and worth hiding memory latency behind: its vector form runs a polynomial or a division
    /// (exp, log, sigmoid, ...), not one or two instructions.
    /// </summary>
    public bool Costly { get; init; }

    /// <summary>The parameter names the docs show.</summary>
    public string[] ParameterNames => Parameters
        ?? (Kind is FunctionKind.Reduction or FunctionKind.Composite ? new[] { "e" } : new[] { "a", "b", "c" }.Take(Arity).ToArray());

    /// <summary>The call as the docs show it: <c>clamp(a, lo, hi)</c>.</summary>
    public string Signature => Name + "(" + string.Join(", ", ParameterNames) + ")";

    /// <summary>False for helper functions that only derivative rules and lowerings produce.</summary>
    public bool UserVisible { get; init; } = true;

    /// <summary>C# for an elementwise function; <c>{0}</c>, <c>{1}</c>... are the arguments, <c>T</c> the element type.</summary>
    public string? CSharp { get; init; }

    /// <summary>
    /// C# for the same function on a vector of classes, written once for every width: <c>{V}</c> is the kernel's width
    /// (a <c>LossGen.Internal.IKernelWidth</c>, whose static members are the vector operations), <c>{0}</c>... the
    /// arguments: <c>{V}.Exp({0})</c>; null: loops that need it stay scalar.
    /// </summary>
    public string? Vector { get; init; }

    /// <summary>The stem of the locals that hold its results in generated code (<c>prod1</c>); by default the name in camel case.</summary>
    public string? Stem { get; init; }

    /// <summary>Infix spelling of an operator, for printing and emission.</summary>
    public string? Infix { get; init; }

    /// <summary>Binding strength of an operator when printed.</summary>
    public int Precedence { get; init; } = 100;

    /// <summary>Evaluates the function on constants (constant folding).</summary>
    public Func<double[], double>? Fold { get; init; }

    /// <summary>A rewrite of a call on these arguments into something simpler (<c>where(1, a, b)</c> is <c>a</c>), or null.</summary>
    public Func<Graph, Node[], Node?>? Simplify { get; init; }

    /// <summary>The partial derivative of the result with respect to each argument, given the arguments and the result.</summary>
    public Func<Graph, Node[], Node, Node[]>? Partials { get; init; }

    /// <summary>For composites: the definition in terms of other functions.</summary>
    public Func<Graph, Node[], Node>? Expand { get; init; }

    public ReduceKind Reduce { get; init; }

    public override string ToString() => Name;
}
