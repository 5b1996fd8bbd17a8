using System.Collections.Generic;
using System.Linq;
using LossGen.Generator.Ir;

namespace LossGen.Generator.Planning;

/// <summary>
/// What a kernel computes: the loss, and which gradients. A kernel with <see cref="Chosen"/> computes the loss only when
/// its caller asks (a type argument): one kernel serves <c>Backward</c> and <c>ForwardBackward</c> (another one their
/// forms with every gradient, whose extra reads of x would keep the kernel with dx alone from reusing dx as a cache).
/// <see cref="Others"/>: the gradients besides dx (dy, or every other prediction of named inputs).
/// </summary>
internal readonly record struct KernelOutputs(bool Loss, bool Dx, bool Others, bool Chosen = false)
{
    /// <summary>The loss alone.</summary>
    public static KernelOutputs Forward => new(true, false, false);

    /// <summary>dx (and the other gradients), with the loss chosen by the caller.</summary>
    public static KernelOutputs Gradient(bool others) => new(true, true, others, Chosen: true);
}

/// <summary>A gradient besides dx as a kernel writes it: its tensor, its layout (the input's) and its lowered value.</summary>
internal sealed record PlannedGradient(string Tensor, Model.InputLayout Layout, Node Value)
{
    /// <summary>One value per position (the gradient of a per-position input): written once per row, not per class.</summary>
    public bool PerRow => Layout == Model.InputLayout.PerRow;
}

/// <summary>The outputs of a kernel, as a set: which of them need a value.</summary>
[System.Flags]
internal enum OutputSet
{
    None = 0,
    Loss = 1,
    Dx = 2,
    /// <summary>The gradients besides dx.</summary>
    Others = 4,
}

/// <summary>
/// The schedule of one kernel over a position (a row of the class axis): the class-axis reductions grouped into the
/// fewest passes (a reduction whose argument needs another reduction's result runs in a later pass; independent ones
/// share a pass), then one final pass that writes the elementwise outputs. <c>logsumexp</c> is lowered here to a
/// max pass and a shifted sum of exponentials. Nothing is computed twice: a value needed by several outputs is one node.
/// </summary>
internal sealed class KernelPlan
{
    private KernelPlan(Node? loss, Node? dx, IReadOnlyList<PlannedGradient> others, Node? meanWeight, List<List<Node>> passes, List<List<Node>> weightPasses)
    {
        Loss = loss;
        Dx = dx;
        Others = others;
        MeanWeight = meanWeight;
        Passes = passes;
        WeightPasses = weightPasses;
    }

    public Node? Loss { get; }

    public Node? Dx { get; }

    /// <summary>The gradients besides dx the kernel writes (none unless its outputs include them).</summary>
    public IReadOnlyList<PlannedGradient> Others { get; }

    /// <summary>Every value the kernel's outputs need: the loss, dx, the other gradients (those it computes).</summary>
    public Node[] Roots => new[] { Loss, Dx }.Concat(Others.Select(o => o.Value)).Where(n => n is not null).Cast<Node>().ToArray();

    /// <summary>The gradients the kernel writes: dx, then the others.</summary>
    public Node[] GradientRoots => new[] { Dx }.Concat(Others.Select(o => o.Value)).Where(n => n is not null).Cast<Node>().ToArray();

    /// <summary>The weight of Mean's denominator (<c>mean_by</c>), evaluated in the pass over targets.</summary>
    public Node? MeanWeight { get; }

    /// <summary>Reductions of the main loop, pass by pass.</summary>
    public List<List<Node>> Passes { get; }

    /// <summary>Reductions needed by <see cref="MeanWeight"/>.</summary>
    public List<List<Node>> WeightPasses { get; }

    public static KernelPlan Create(Graph g, KernelOutputs outputs, Node loss, Node? dx, IReadOnlyList<Autodiff.GradientOutput> others, Node? meanWeight)
    {
        var lowered = new Dictionary<Node, Node>();
        var parts = new Dictionary<Node, (Node Shift, Node LogSum)>();
        Node? Lower(Node? n) => n is null ? null : LowerLogSumExp(g, n, lowered, parts);

        Node? planLoss = outputs.Loss ? Lower(loss) : null;
        Node? planDx = outputs.Dx ? Lower(dx) : null;
        var planOthers = outputs.Others
            ? others.Select(o => new PlannedGradient(o.Tensor, o.Input.Layout, Lower(o.Value)!)).ToList()
            : new List<PlannedGradient>();
        Node? weight = Lower(meanWeight);
        var plan = new KernelPlan(planLoss, planDx, planOthers, weight, new List<List<Node>>(), new List<List<Node>>());
        return new KernelPlan(planLoss, planDx, planOthers, weight, Schedule(plan.Roots), weight is null ? new List<List<Node>>() : Schedule(weight));
    }

    /// <summary>Groups the reductions under <paramref name="roots"/> by the pass that can compute them.</summary>
    public static List<List<Node>> Schedule(params Node[] roots)
    {
        var level = new Dictionary<Node, int>();
        var passes = new List<List<Node>>();
        foreach (Node node in Walk.TopologicalOrder(roots))
        {
            int needed = 0;
            foreach (Node arg in node.Args)
            {
                needed = System.Math.Max(needed, level[arg]);
            }

            if (node.IsReduction)
            {
                needed++;
                while (passes.Count < needed)
                {
                    passes.Add(new List<Node>());
                }

                passes[needed - 1].Add(node);
            }

            level[node] = needed;
        }

        return passes;
    }

    /// <summary>
    /// The sum over classes of <paramref name="e"/>, with row values taken out of it by linearity:
    /// <c>sum(y * (a - r)) = sum(y * a) - r * sum(y)</c> for a row value r. Used when it needs fewer passes
    /// (soft-label cross entropy's <c>sum(y * log_softmax(x))</c> no longer waits for the log-sum-exp).
    /// </summary>
    private static Node SplitSum(Graph g, Node e, int level, Dictionary<Node, int> levels, ref int budget)
    {
        // Only terms at the argument's own (latest) level are taken out: (x - m) stays whole, so no cancellation.
        if (e.Shape != Shape.Class || --budget <= 0 || e.Op != Op.Call || Level(e, levels) < level)
        {
            return g.Call(Functions.Sum, e);
        }

        Function f = e.Function!;
        if (f == Functions.Add || f == Functions.Subtract)
        {
            return g.Call(f, SplitSum(g, e.Args[0], level, levels, ref budget), SplitSum(g, e.Args[1], level, levels, ref budget));
        }

        if (f == Functions.Negate)
        {
            return g.Neg(SplitSum(g, e.Args[0], level, levels, ref budget));
        }

        if (f == Functions.Multiply)
        {
            Node a = e.Args[0], b = e.Args[1];
            if (a.Shape != Shape.Class)
            {
                return g.Mul(a, SplitSum(g, b, level, levels, ref budget));
            }

            if (b.Shape != Shape.Class)
            {
                return g.Mul(SplitSum(g, a, level, levels, ref budget), b);
            }

            if (IsSumOrDifference(b) && Level(b, levels) == level)
            {
                return g.Call(b.Function!, SplitSum(g, g.Mul(a, b.Args[0]), level, levels, ref budget), SplitSum(g, g.Mul(a, b.Args[1]), level, levels, ref budget));
            }

            if (IsSumOrDifference(a) && Level(a, levels) == level)
            {
                return g.Call(a.Function!, SplitSum(g, g.Mul(a.Args[0], b), level, levels, ref budget), SplitSum(g, g.Mul(a.Args[1], b), level, levels, ref budget));
            }
        }

        return g.Call(Functions.Sum, e);
    }

    private static bool IsSumOrDifference(Node n) => n.Op == Op.Call && (n.Function == Functions.Add || n.Function == Functions.Subtract);

    /// <summary>The pass that can compute <paramref name="root"/>: 0 before any pass, k after the k-th.</summary>
    private static int Level(Node root, Dictionary<Node, int> levels)
    {
        // Iterative, and stops at nodes already known: each node is visited once over all calls.
        var stack = new Stack<(Node Node, int Next)>();
        if (!levels.ContainsKey(root))
        {
            stack.Push((root, 0));
        }

        while (stack.Count > 0)
        {
            (Node node, int next) = stack.Pop();
            if (next < node.Args.Length)
            {
                stack.Push((node, next + 1));
                Node arg = node.Args[next];
                if (!levels.ContainsKey(arg))
                {
                    stack.Push((arg, 0));
                }

                continue;
            }

            if (levels.ContainsKey(node))
            {
                continue;
            }

            int level = 0;
            foreach (Node arg in node.Args)
            {
                level = System.Math.Max(level, levels[arg]);
            }

            levels[node] = node.IsReduction ? level + 1 : level;
        }

        return levels[root];
    }

    /// <summary>
    /// <c>f(a, r)[t] = f(a[t], r)</c> for an elementwise f and a row value r: a pick ends up around an input, so it reads
    /// memory only and can be made at the start of the row, before any pass (which is what lets dx be x).
    /// </summary>
    private static Node PushPick(Graph g, Node value)
    {
        // Iterative (children first): graph depth never becomes stack depth.
        var pushed = new Dictionary<Node, Node>();
        foreach (Node node in Walk.TopologicalOrder(value))
        {
            if (node.Shape != Shape.Class)
            {
                continue;
            }

            pushed[node] = node.Op != Op.Call || node.IsReduction
                ? g.Pick(node)
                : g.Call(node.Function!, node.Args.Select(a => a.Shape == Shape.Class ? pushed[a] : a).ToArray());
        }

        return pushed[value];
    }

    /// <summary>
    /// logsumexp(e) = m + log(sum(exp(e - m))) with m = max(e) (0 where m is infinite), rebuilt bottom-up. A difference
    /// with a log-sum-exp is kept as <c>(a - m) - log(sum)</c>, as log_softmax is computed, so the large shift m never
    /// rounds the small result (float32 logits of 1e4), and <c>a - m</c> is shared with the sum's pass.
    /// </summary>
    private static Node LowerLogSumExp(Graph g, Node root, Dictionary<Node, Node> memo, Dictionary<Node, (Node Shift, Node LogSum)> parts)
    {
        var levels = new Dictionary<Node, int>();
        foreach (Node node in Walk.TopologicalOrder(root))
        {
            if (memo.ContainsKey(node))
            {
                continue;
            }

            Node[] args = node.Args.Select(a => memo[a]).ToArray();
            Node rebuilt;
            if (node.Op == Op.Call && node.Function == Functions.LogSumExp)
            {
                Node shift = g.Call(Functions.FiniteOrZero, g.Call(Functions.ShiftMax, args[0]));
                Node logSum = g.Call(Functions.Log, g.Call(Functions.Sum, g.Call(Functions.Exp, g.Sub(args[0], shift))));
                rebuilt = g.Add(shift, logSum);
                parts[rebuilt] = (shift, logSum);
            }
            else if (node.Op == Op.Call && node.Function == Functions.Subtract && parts.TryGetValue(args[1], out var right))
            {
                rebuilt = g.Sub(g.Sub(args[0], right.Shift), right.LogSum);
            }
            else if (node.Op == Op.Call && node.Function == Functions.Subtract && parts.TryGetValue(args[0], out var left))
            {
                rebuilt = g.Sub(left.LogSum, g.Sub(args[1], left.Shift));
            }
            else if (node.Op == Op.Call && node.Function == Functions.Exp && args[0].Op == Op.Call && args[0].Function == Functions.Subtract
                && parts.Values.Any(p => p.LogSum == args[0].Args[1]))
            {
                // exp((a - m) - log(s)) = exp(a - m) * (1 / s): the exponentials of the sum's pass serve the gradient
                // too (kept in registers or in dx), and the row pays one division instead of a second exp per class.
                Node logSum = args[0].Args[1];
                rebuilt = g.Mul(g.Call(Functions.Exp, args[0].Args[0]), g.Call(Functions.Reciprocal, logSum.Args[0]));
            }
            else if (node.Op == Op.Call && node.Function == Functions.Sum)
            {
                rebuilt = g.Call(Functions.Sum, args[0]);
                int budget = 256;
                Node split = SplitSum(g, args[0], Level(args[0], levels), levels, ref budget);
                if (Level(split, levels) < Level(rebuilt, levels))
                {
                    rebuilt = split;
                }
            }
            else if (node.Op == Op.Call)
            {
                rebuilt = args.SequenceEqual(node.Args) ? node : g.Call(node.Function!, args);
            }
            else if (node.Op == Op.Pick)
            {
                rebuilt = PushPick(g, args[0]);
            }
            else
            {
                rebuilt = node;
            }

            memo[node] = rebuilt;
        }

        return memo[root];
    }
}
