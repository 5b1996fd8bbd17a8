using System.Collections.Generic;
using LossGen.Generator.Ir;

namespace LossGen.Generator.Autodiff;

/// <summary>
/// Symbolic reverse-mode differentiation over the graph. Walks the nodes from the loss down (no recursion), applies
/// each function's derivative rule from the table, reduces over the class axis where a row-shaped value was broadcast,
/// and adds the contributions to each node's adjoint. Nodes are built through <see cref="Graph"/>, so the adjoints share
/// subexpressions with the forward pass and with each other.
/// </summary>
internal static class ReverseMode
{
    /// <summary>The adjoints of the named inputs (zero where the loss does not depend on one).</summary>
    public static Dictionary<string, Node> Gradients(Graph g, Node loss, Node seed, IEnumerable<string> inputs)
    {
        List<Node> order = Walk.TopologicalOrder(loss);
        var wanted = new HashSet<string>(inputs);

        // Only nodes that depend on a wanted input carry an adjoint.
        var relevant = new HashSet<Node>();
        foreach (Node node in order)
        {
            if (node.Op == Op.Input && wanted.Contains(node.Name))
            {
                relevant.Add(node);
                continue;
            }

            foreach (Node arg in node.Args)
            {
                if (relevant.Contains(arg))
                {
                    relevant.Add(node);
                    break;
                }
            }
        }

        var adjoints = new Dictionary<Node, Node> { [loss] = seed };
        for (int i = order.Count - 1; i >= 0; i--)
        {
            Node node = order[i];
            if (!relevant.Contains(node) || !adjoints.TryGetValue(node, out Node? adjoint))
            {
                continue;
            }

            switch (node.Op)
            {
                case Op.Pick:
                    Accumulate(g, adjoints, node.Args[0], g.Mul(adjoint, g.OneHot()));
                    break;

                case Op.Call:
                    Node[] partials = node.Function!.Partials!(g, node.Args, node);
                    for (int a = 0; a < node.Args.Length; a++)
                    {
                        Node arg = node.Args[a];
                        if (!relevant.Contains(arg))
                        {
                            continue;
                        }

                        Node contribution = g.Mul(adjoint, partials[a]);
                        if (!node.IsReduction && node.Shape == Shape.Class && arg.Shape != Shape.Class)
                        {
                            // The argument was broadcast along the class axis: its adjoint sums over it.
                            contribution = g.Call(Functions.Sum, contribution);
                        }

                        Accumulate(g, adjoints, arg, contribution);
                    }

                    break;
            }
        }

        var result = new Dictionary<string, Node>();
        foreach (Node node in order)
        {
            if (node.Op == Op.Input && wanted.Contains(node.Name))
            {
                result[node.Name] = adjoints.TryGetValue(node, out Node? adjoint) ? adjoint : g.Zero;
            }
        }

        return result;
    }

    private static void Accumulate(Graph g, Dictionary<Node, Node> adjoints, Node node, Node contribution)
    {
        adjoints[node] = adjoints.TryGetValue(node, out Node? existing) ? g.Add(existing, contribution) : contribution;
    }
}
