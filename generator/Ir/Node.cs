using System.Collections.Generic;

using LossGen.Generator.Model;

namespace LossGen.Generator.Ir;

/// <summary>What a node of the loss graph is.</summary>
internal enum Op
{
    /// <summary>A number.</summary>
    Const,
    /// <summary>A tensor input: <c>x</c>, <c>y</c>, <c>w</c>, <c>posWeight</c>.</summary>
    Input,
    /// <summary>A hyper-parameter (a generated method argument).</summary>
    Param,
    /// <summary>The number of classes C.</summary>
    ClassCount,
    /// <summary>The upstream gradient of the loss at a position (the seed of reverse mode).</summary>
    Seed,
    /// <summary>1 at class t, 0 elsewhere.</summary>
    OneHot,
    /// <summary>The entry of class t of a class-shaped value.</summary>
    Pick,
    /// <summary>A function of the table: elementwise or a reduction over the class axis.</summary>
    Call,
}

/// <summary>How a value varies: the same everywhere, once per position, or along the class axis too.</summary>
internal enum Shape
{
    Scalar = 0,
    Row = 1,
    Class = 2,
}

/// <summary>
/// A node of the loss graph. Nodes are hash-consed by <see cref="Graph"/>: structurally equal nodes are the same object,
/// which is what makes common subexpressions shared from parsing through differentiation to emission.
/// </summary>
internal sealed class Node
{
    public Node(int id, Op op, Function? function, double value, string name, Node[] args, Shape shape, int depth)
    {
        Id = id;
        Op = op;
        Function = function;
        Value = value;
        Name = name;
        Args = args;
        Shape = shape;
        Depth = depth;
    }

    public int Id { get; }

    public Op Op { get; }

    public Function? Function { get; }

    public double Value { get; }

    public string Name { get; }

    public Node[] Args { get; }

    public Shape Shape { get; }

    /// <summary>Length of the longest path to a leaf; bounded, so recursive walks cannot overflow the stack.</summary>
    public int Depth { get; }

    public bool IsConst(double value) => Op == Op.Const && Value.Equals(value);

    public bool IsReduction => Op == Op.Call && Function!.Kind == FunctionKind.Reduction;

    public override string ToString() => Printer.Print(this);
}

/// <summary>Structural identity of a node, used for hash-consing.</summary>
internal readonly struct NodeKey : System.IEquatable<NodeKey>
{
    private readonly Op _op;
    private readonly Function? _function;
    private readonly double _value;
    private readonly string _name;
    private readonly int[] _args;

    public NodeKey(Op op, Function? function, double value, string name, Node[] args)
    {
        _op = op;
        _function = function;
        _value = value;
        _name = name;
        _args = new int[args.Length];
        for (int i = 0; i < args.Length; i++)
        {
            _args[i] = args[i].Id;
        }
    }

    public bool Equals(NodeKey other)
    {
        if (_op != other._op || !ReferenceEquals(_function, other._function) || !_value.Equals(other._value) || _name != other._name || _args.Length != other._args.Length)
        {
            return false;
        }

        for (int i = 0; i < _args.Length; i++)
        {
            if (_args[i] != other._args[i])
            {
                return false;
            }
        }

        return true;
    }

    public override bool Equals(object? obj) => obj is NodeKey other && Equals(other);

    public override int GetHashCode()
    {
        int hash = ((int)_op * 397) ^ _value.GetHashCode() ^ (_name.GetHashCode() * 7) ^ (_function?.Name.GetHashCode() ?? 0);
        foreach (int arg in _args)
        {
            hash = unchecked(hash * 31 + arg);
        }

        return hash;
    }
}

/// <summary>Visits nodes without recursion.</summary>
internal static class Walk
{
    /// <summary>Every node reachable from the roots, each once, arguments before their users.</summary>
    public static List<Node> TopologicalOrder(params Node[] roots)
    {
        var order = new List<Node>();
        var state = new Dictionary<Node, bool>();
        var stack = new Stack<(Node Node, int NextArg)>();
        foreach (Node root in roots)
        {
            if (state.ContainsKey(root))
            {
                continue;
            }

            stack.Push((root, 0));
            state[root] = false;
            while (stack.Count > 0)
            {
                (Node node, int next) = stack.Pop();
                if (next < node.Args.Length)
                {
                    stack.Push((node, next + 1));
                    Node arg = node.Args[next];
                    if (!state.ContainsKey(arg))
                    {
                        state[arg] = false;
                        stack.Push((arg, 0));
                    }
                }
                else
                {
                    state[node] = true;
                    order.Add(node);
                }
            }
        }

        return order;
    }

    public static bool DependsOn(Node root, System.Func<Node, bool> leaf)
    {
        foreach (Node node in TopologicalOrder(root))
        {
            if (leaf(node))
            {
                return true;
            }
        }

        return false;
    }
}
