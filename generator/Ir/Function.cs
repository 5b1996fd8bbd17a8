using System;

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

/// <summary>
/// One function of the language. A row of <see cref="Functions.All"/> is everything the compiler knows about it:
/// name and arity (parsing and binding), kind (shape rules), <see cref="Partials"/> (reverse-mode derivative rule),
/// <see cref="CSharp"/> (emission), <see cref="Fold"/> (constant folding) and <see cref="Summary"/> (documentation).
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

    public string Summary { get; }

    /// <summary>False for helper functions that only derivative rules and lowerings produce.</summary>
    public bool UserVisible { get; init; } = true;

    /// <summary>C# for an elementwise function; <c>{0}</c>, <c>{1}</c>... are the arguments, <c>T</c> the element type.</summary>
    public string? CSharp { get; init; }

    /// <summary>
    /// C# for the same function on a <c>Vector256&lt;T&gt;</c> of classes; null: loops that need it stay scalar.
    /// <c>VectorOps.</c> and <c>VectorMath.</c> name the runtime's vector helpers.
    /// </summary>
    public string? Vector { get; init; }

    /// <summary>Infix spelling of an operator, for printing and emission.</summary>
    public string? Infix { get; init; }

    /// <summary>Binding strength of an operator when printed.</summary>
    public int Precedence { get; init; } = 100;

    /// <summary>Evaluates the function on constants (constant folding).</summary>
    public Func<double[], double>? Fold { get; init; }

    /// <summary>The partial derivative of the result with respect to each argument, given the arguments and the result.</summary>
    public Func<Graph, Node[], Node, Node[]>? Partials { get; init; }

    /// <summary>For composites: the definition in terms of other functions.</summary>
    public Func<Graph, Node[], Node>? Expand { get; init; }

    public ReduceKind Reduce { get; init; }

    public override string ToString() => Name;
}
