using System.Collections.Generic;

namespace LossGen.Generator.Syntax;

/// <summary>A node of the parsed expression. <see cref="Depth"/> bounds every later tree walk.</summary>
internal abstract record Expr(Span Span)
{
    public abstract int Depth { get; }
}

internal sealed record NumberExpr(double Value, Span Span) : Expr(Span)
{
    public override int Depth => 1;
}

internal sealed record NameExpr(string Name, Span Span) : Expr(Span)
{
    public override int Depth => 1;
}

internal sealed record CallExpr(string Name, Span NameSpan, IReadOnlyList<Expr> Arguments, Span Span, int ArgumentDepth) : Expr(Span)
{
    public override int Depth => ArgumentDepth + 1;
}

internal sealed record NegateExpr(Expr Operand, Span Span) : Expr(Span)
{
    public override int Depth => Operand.Depth + 1;
}

internal enum BinaryOp
{
    Add,
    Subtract,
    Multiply,
    Divide,
    Power,
    /// <summary>The comparisons (a condition: only <c>where</c>'s first argument), from here on.</summary>
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Equal,
    NotEqual,
}

internal sealed record BinaryExpr(BinaryOp Op, Expr Left, Expr Right, Span OperatorSpan, Span Span, int ChildDepth) : Expr(Span)
{
    public override int Depth => ChildDepth + 1;

    /// <summary>A comparison (<c>a &lt; b</c>, ...): a condition, not a value.</summary>
    public bool IsComparison => Op >= BinaryOp.Less;
}

/// <summary><c>e[t]</c>: the entry of class <c>t</c>. <see cref="IndexName"/> is whatever stood in the brackets.</summary>
internal sealed record PickExpr(Expr Target, string IndexName, Span IndexSpan, Span Span) : Expr(Span)
{
    public override int Depth => Target.Depth + 1;
}

internal sealed record LocalDefinition(string Name, Span NameSpan, Expr Value);

internal sealed record LossProgram(IReadOnlyList<LocalDefinition> Locals, Expr Body);
