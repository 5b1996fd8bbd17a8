using System;
using System.Collections.Generic;

namespace LossGen.Generator.Ir;

/// <summary>
/// Builds hash-consed nodes and simplifies as it builds (constant folding, neutral elements, sign rules, common
/// factors). Every stage (binding, differentiation, planning) creates nodes through here, so equal subexpressions are
/// one node everywhere.
/// </summary>
internal sealed class Graph
{
    public const int MaxNodes = 50_000;
    public const int MaxDepth = 2_000;

    private readonly Dictionary<NodeKey, Node> _nodes = new();

    public Graph()
    {
        Zero = Const(0);
        One = Const(1);
        ClassCount = Make(Op.ClassCount, null, 0, string.Empty, Array.Empty<Node>(), Shape.Scalar);
    }

    public Node Zero { get; }

    public Node One { get; }

    public Node ClassCount { get; }

    /// <summary>True once the graph grew past <see cref="MaxNodes"/> or <see cref="MaxDepth"/>: the compiler reports it and stops.</summary>
    public bool TooLarge { get; private set; }

    public int Count => _nodes.Count;

    public Node Const(double value) => Make(Op.Const, null, value == 0 ? 0 : value, string.Empty, Array.Empty<Node>(), Shape.Scalar);

    /// <summary>A tensor input: class-shaped (it varies along the class axis), or row-shaped (one value per position).</summary>
    public Node Input(string name, Shape shape = Shape.Class) => Make(Op.Input, null, 0, name, Array.Empty<Node>(), shape);

    public Node Param(string name) => Make(Op.Param, null, 0, name, Array.Empty<Node>(), Shape.Scalar);

    public Node Seed(Shape shape) => Make(Op.Seed, null, 0, string.Empty, Array.Empty<Node>(), shape);

    public Node OneHot() => Make(Op.OneHot, null, 0, "t", Array.Empty<Node>(), Shape.Class);

    public Node Pick(Node target) => target.Op == Op.OneHot ? One : Make(Op.Pick, null, 0, "t", new[] { target }, Shape.Row);

    public Node Add(Node a, Node b) => Call(Functions.Add, a, b);

    public Node Sub(Node a, Node b) => Call(Functions.Subtract, a, b);

    public Node Mul(Node a, Node b) => Call(Functions.Multiply, a, b);

    public Node Div(Node a, Node b) => Call(Functions.Divide, a, b);

    public Node Neg(Node a) => Call(Functions.Negate, a);

    /// <summary>d(a^n)/da, with PyTorch's convention that it is 0 where n is 0.</summary>
    public Node PowBaseGrad(Node a, Node n)
    {
        if (n.Op == Op.Const)
        {
            return n.Value switch
            {
                0 => Zero,
                1 => One,
                2 => Mul(Const(2), a),
                _ => Mul(n, Call(Functions.Power, a, Const(n.Value - 1))),
            };
        }

        return Call(Functions.PowBaseGradFn, a, n);
    }

    /// <summary>The share of the gradient of a max or min reduction: ties split it evenly.</summary>
    public Node TieShare(Node e, Node extreme)
    {
        Node hit = Call(Functions.Equal, e, extreme);
        return Div(hit, Call(Functions.Sum, hit));
    }

    public Node Call(Function f, params Node[] args)
    {
        if (f.Expand is not null)
        {
            return f.Expand(this, args);
        }

        Node? simple = Simplify(f, args);
        if (simple is not null)
        {
            return simple;
        }

        Shape shape = Shape.Scalar;
        if (f.Kind == FunctionKind.Reduction)
        {
            shape = Shape.Row;
        }
        else
        {
            foreach (Node arg in args)
            {
                shape = arg.Shape > shape ? arg.Shape : shape;
            }
        }

        return Make(Op.Call, f, 0, string.Empty, args, shape);
    }

    private Node? Simplify(Function f, Node[] args)
    {
        if (f.Fold is not null && Array.TrueForAll(args, a => a.Op == Op.Const))
        {
            double[] values = Array.ConvertAll(args, a => a.Value);
            double folded = f.Fold(values);
            if (!double.IsNaN(folded) && !double.IsInfinity(folded))
            {
                return Const(folded);
            }
        }

        if (f.Simplify?.Invoke(this, args) is { } rewritten)
        {
            return rewritten;
        }

        if (f.Kind == FunctionKind.Reduction && args[0].Shape != Shape.Class)
        {
            // A reduction of something constant along the class axis.
            return f.Reduce switch
            {
                ReduceKind.Sum => Mul(args[0], ClassCount),
                ReduceKind.LogSumExp => Add(args[0], Call(Functions.Log, ClassCount)),
                _ => args[0],
            };
        }

        Node a0 = args[0];
        Node? a1 = args.Length > 1 ? args[1] : null;
        if (f == Functions.Add)
        {
            if (a0.IsConst(0)) return a1;
            if (a1!.IsConst(0)) return a0;
            if (a1.Op == Op.Call && a1.Function == Functions.Negate) return Sub(a0, a1.Args[0]);
            if (a0.Op == Op.Call && a0.Function == Functions.Negate) return Sub(a1, a0.Args[0]);
            return Factor(f, a0, a1);
        }

        if (f == Functions.Subtract)
        {
            if (a1!.IsConst(0)) return a0;
            if (a0.IsConst(0)) return Neg(a1);
            if (a1.Op == Op.Call && a1.Function == Functions.Negate) return Add(a0, a1.Args[0]);
            if (a0.Op == Op.Call && a0.Function == Functions.Negate) return Neg(Add(a0.Args[0], a1));
            return Factor(f, a0, a1);
        }

        if (f == Functions.Multiply)
        {
            if (a0.IsConst(0) || a1!.IsConst(0)) return Zero;
            if (a0.IsConst(1)) return a1;
            if (a1.IsConst(1)) return a0;
            if (a0.IsConst(-1)) return Neg(a1);
            if (a1.IsConst(-1)) return Neg(a0);
            if (a0.Op == Op.Call && a0.Function == Functions.Negate) return Neg(Mul(a0.Args[0], a1));
            if (a1.Op == Op.Call && a1.Function == Functions.Negate) return Neg(Mul(a0, a1.Args[0]));
            if (a1.Op == Op.Const && a0.Op != Op.Const) return Mul(a1, a0);
            if (a1.Op == Op.Call && a1.Function == Functions.Divide && a1.Args[0].IsConst(1)) return Div(a0, a1.Args[1]);
            if (a0.Op == Op.Call && a0.Function == Functions.Divide && a0.Args[0].IsConst(1)) return Div(a1, a0.Args[1]);
            if (a0.Op == Op.Call && a0.Function == Functions.Divide && a0.Args[1] == a1 && a1.Op == Op.ClassCount) return a0.Args[0];
            return null;
        }

        if (f == Functions.Divide)
        {
            if (a1!.IsConst(1)) return a0;
            if (a0.IsConst(0)) return Zero;
            if (a0.Op == Op.Call && a0.Function == Functions.Negate) return Neg(Div(a0.Args[0], a1));
            return null;
        }

        if (f == Functions.Negate)
        {
            if (a0.Op == Op.Call && a0.Function == Functions.Negate) return a0.Args[0];
            if (a0.Op == Op.Call && a0.Function == Functions.Subtract) return Sub(a0.Args[1], a0.Args[0]);
            return null;
        }

        if (f == Functions.Power && a1!.Op == Op.Const)
        {
            if (a1.Value == 1) return a0;
            if (a1.Value == 2) return Call(Functions.Square, a0);
        }

        return null;
    }

    /// <summary><c>a*s ± b*s</c> becomes <c>(a ± b)*s</c>: gradients read as <c>g * (softmax(x) - one_hot(t))</c>.</summary>
    private Node? Factor(Function f, Node a, Node b)
    {
        if (a.Op != Op.Call || b.Op != Op.Call || a.Function != Functions.Multiply || b.Function != Functions.Multiply)
        {
            return null;
        }

        for (int i = 0; i < 2; i++)
        {
            for (int j = 0; j < 2; j++)
            {
                if (a.Args[i] == b.Args[j])
                {
                    Node common = a.Args[i];
                    Node sum = Call(f, a.Args[1 - i], b.Args[1 - j]);
                    return i == 0 ? Mul(common, sum) : Mul(sum, common);
                }
            }
        }

        return null;
    }

    private Node Make(Op op, Function? function, double value, string name, Node[] args, Shape shape)
    {
        var key = new NodeKey(op, function, value, name, args);
        if (_nodes.TryGetValue(key, out Node? existing))
        {
            return existing;
        }

        int depth = 1;
        foreach (Node arg in args)
        {
            depth = Math.Max(depth, arg.Depth + 1);
        }

        if (depth > MaxDepth || _nodes.Count >= MaxNodes)
        {
            TooLarge = true;
        }

        var node = new Node(_nodes.Count, op, function, value, name, args, shape, depth);
        _nodes.Add(key, node);
        return node;
    }
}
