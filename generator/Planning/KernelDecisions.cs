using System.Collections.Generic;
using System.Linq;
using LossGen.Generator.Autodiff;
using LossGen.Generator.Ir;
using LossGen.Generator.Model;

namespace LossGen.Generator.Planning;

/// <summary>
/// <c>s * (a - r * one_hot(t))</c> with s and r the same along the class axis, as <see cref="Main"/> = <c>s * a</c> for
/// every class and <see cref="AtTarget"/> = <c>s * r</c> taken off at the target alone: the class loop does no compare
/// per element (the gradient of every cross entropy with class indices has this form).
/// </summary>
internal sealed record OneHotSplit(Node Main, Node AtTarget);

/// <summary>An output of the final pass: its tensor's name, its value, and whether it is stored (false: summed into the total).</summary>
internal sealed record FinalOutput(string Tensor, Node Value, bool Stored);

/// <summary>
/// What a kernel does beyond its schedule, decided once before any code is written: which class value the gradient
/// pass reads back from dx instead of computing again, which pass prefetches the next row, the gradient's form
/// without a one-hot term, which loops over the class axis are vector loops (<see cref="PassStrides"/>,
/// <see cref="FinalStrides"/>) and whether positions go in lanes (<see cref="Lanes"/>), and, in a kernel whose caller
/// chooses its outputs, which reductions and reads serve only the loss or the other gradients (<see cref="NeededBy"/>). The emitter only
/// writes what these say.
/// </summary>
internal sealed record KernelDecisions(Node? Cache, int CachePass, int PrefetchPass, IReadOnlyList<string> Prefetched, OneHotSplit? Split,
    IReadOnlyDictionary<Node, OutputSet> Needs, IReadOnlyDictionary<Node, OutputSet> PickNeeds,
    bool Lanes, IReadOnlyList<IReadOnlyList<string>?> PassStrides, IReadOnlyList<FinalOutput> FinalOutputs, IReadOnlyList<string>? FinalStrides)
{
    /// <summary>Whether any piece of the position loop has vector code: its pieces are then generic over the width.</summary>
    public bool UsesVectors => Lanes || FinalStrides is not null || PassStrides.Any(s => s is not null);

    /// <summary>
    /// The outputs that need <paramref name="node"/>; <see cref="OutputSet.Dx"/> (always computed) for every node of a
    /// kernel whose outputs are fixed.
    /// </summary>
    public OutputSet NeededBy(Node node) => Needs.TryGetValue(node, out OutputSet needs) ? needs : OutputSet.Dx;

    /// <summary>The outputs that need <paramref name="node"/> read at the target (under a pick), as <see cref="NeededBy"/>.</summary>
    public OutputSet PickNeededBy(Node node) => PickNeeds.TryGetValue(node, out OutputSet needs) ? needs : OutputSet.Dx;

    public static KernelDecisions For(CompiledLoss loss, KernelOutputs outputs, KernelPlan plan)
    {
        bool rowsOfClasses = !loss.Flat && !loss.Elementwise;
        (Node? cache, int cachePass) = rowsOfClasses && outputs.Dx ? ChooseCache(plan) : (null, -1);
        (int prefetchPass, List<string> prefetched) = rowsOfClasses ? ChoosePrefetch(loss, plan) : (-1, new List<string>());
        OneHotSplit? split = outputs.Dx && !loss.Flat && loss.UsesTarget ? SplitOneHot(loss.Graph, plan.Dx!) : null;
        Dictionary<Node, OutputSet> needs = outputs.Chosen ? FindNeeds(plan) : new Dictionary<Node, OutputSet>();
        if (cache is not null && plan.Passes[cachePass].All(r => needs.TryGetValue(r, out OutputSet set) && (set & OutputSet.Dx) == 0))
        {
            // The pass serves only outputs the caller may not ask for: dx computes the value itself rather than make
            // Backward run a pass to store it.
            (cache, cachePass) = (null, -1);
        }

        bool reduced = loss.Reduction != Reduction.None;
        var passStrides = new List<IReadOnlyList<string>?>();
        for (int p = 0; p < plan.Passes.Count; p++)
        {
            passStrides.Add(VectorStrides(plan.Passes[p].Select(r => r.Args[0]), p == cachePass && cache is not null ? new[] { "dx" } : new string[0], reduced));
        }

        IReadOnlyList<FinalOutput> final = FinalOutputsOf(loss, outputs, plan, split);
        return new KernelDecisions(cache, cachePass, prefetchPass, prefetched, split, needs, FindPickNeeds(needs),
            HasLaneForm(plan), passStrides, final, FinalStridesOf(final, reduced));
    }

    /// <summary>
    /// Whether the kernel has a form with positions in lanes (taken at run time for short, dense class axes): every
    /// function on the way has a vector form.
    /// </summary>
    private static bool HasLaneForm(KernelPlan plan)
    {
        return !Walk.TopologicalOrder(plan.Roots).Any(node =>
            node.Op == Op.Call && !node.IsReduction && node.Shape != Shape.Scalar && node.Function!.Vector is null);
    }

    /// <summary>
    /// What the final pass over the classes writes, in order, for rows one at a time: an elementwise loss (stored, or
    /// summed into the total when reduced), dx (without its one-hot term when <paramref name="split"/>), the other
    /// gradients with the class axis (a per-position input's gradient is written once per row instead). Empty when
    /// there is no final pass over the classes (a flat loss, or only a per-position loss).
    /// </summary>
    private static IReadOnlyList<FinalOutput> FinalOutputsOf(CompiledLoss loss, KernelOutputs outputs, KernelPlan plan, OneHotSplit? split)
    {
        var written = new List<FinalOutput>();
        if (loss.Flat)
        {
            return written;
        }

        if (outputs.Loss && loss.Elementwise)
        {
            written.Add(new FinalOutput("loss", plan.Loss!, loss.Reduction == Reduction.None));
        }

        if (outputs.Dx)
        {
            written.Add(new FinalOutput("dx", split?.Main ?? plan.Dx!, true));
        }

        foreach (PlannedGradient other in plan.Others.Where(o => !o.PerRow))
        {
            written.Add(new FinalOutput(other.Tensor, other.Value, true));
        }

        return written;
    }

    /// <summary>The tensors the final pass's vector loop needs contiguous, or null when it is a scalar loop (or there is none).</summary>
    private static IReadOnlyList<string>? FinalStridesOf(IReadOnlyList<FinalOutput> final, bool reduced) =>
        final.Count == 0 ? null : VectorStrides(final.Select(o => o.Value), final.Where(o => o.Stored).Select(o => o.Tensor), reduced);

    /// <summary>In a vector loop over the class axis, a value the same for every class of the row (broadcast), not one per lane.</summary>
    public static bool IsBroadcast(Node node, bool reduced) => node.Shape != Shape.Class || (node.Op == Op.Seed && reduced);

    /// <summary>
    /// The tensors a vector loop over <paramref name="values"/> (writing <paramref name="written"/>) needs contiguous along
    /// the class axis, sorted; null when some function on the way has no vector form (the loop stays scalar). Empty
    /// when every value is broadcast and nothing is written: the vector loop then always runs.
    /// </summary>
    private static IReadOnlyList<string>? VectorStrides(IEnumerable<Node> values, IEnumerable<string> written, bool reduced)
    {
        var tensors = new SortedSet<string>(System.StringComparer.Ordinal);
        foreach (string name in written)
        {
            tensors.Add(name);
        }

        var seen = new HashSet<Node>();
        var stack = new Stack<Node>(values);
        while (stack.Count > 0)
        {
            Node node = stack.Pop();
            if (IsBroadcast(node, reduced) || !seen.Add(node))
            {
                continue;
            }

            switch (node.Op)
            {
                case Op.Input:
                    tensors.Add(node.Name);
                    break;
                case Op.Seed:
                    tensors.Add("dloss");
                    break;
                case Op.Call when node.Function!.Vector is null || node.IsReduction:
                    return null;
            }

            foreach (Node arg in node.Args)
            {
                stack.Push(arg);
            }
        }

        return tensors.ToList();
    }

    /// <summary>Which outputs each value read at the target serves: every pick it is under.</summary>
    private static Dictionary<Node, OutputSet> FindPickNeeds(Dictionary<Node, OutputSet> needs)
    {
        var pickNeeds = new Dictionary<Node, OutputSet>();
        foreach (KeyValuePair<Node, OutputSet> entry in needs)
        {
            if (entry.Key.Op != Op.Pick)
            {
                continue;
            }

            foreach (Node node in Walk.TopologicalOrder(entry.Key.Args[0]))
            {
                pickNeeds[node] = (pickNeeds.TryGetValue(node, out OutputSet set) ? set : OutputSet.None) | entry.Value;
            }
        }

        return pickNeeds;
    }

    /// <summary>Which outputs each node of the plan serves.</summary>
    private static Dictionary<Node, OutputSet> FindNeeds(KernelPlan plan)
    {
        var needs = new Dictionary<Node, OutputSet>();
        var roots = new List<(Node?, OutputSet)> { (plan.Loss, OutputSet.Loss), (plan.Dx, OutputSet.Dx) };
        roots.AddRange(plan.Others.Select(o => ((Node?)o.Value, OutputSet.Others)));
        foreach ((Node? root, OutputSet output) in roots)
        {
            if (root is null)
            {
                continue;
            }

            foreach (Node node in Walk.TopologicalOrder(new[] { root }))
            {
                needs[node] = (needs.TryGetValue(node, out OutputSet set) ? set : OutputSet.None) | output;
            }
        }

        // mean_by's weight feeds the seed of every output.
        if (plan.MeanWeight is not null)
        {
            foreach (Node node in Walk.TopologicalOrder(new[] { plan.MeanWeight }))
            {
                needs[node] = OutputSet.Dx;
            }
        }

        return needs;
    }

    /// <summary>A function worth computing once and worth prefetching for (its row's <see cref="Function.Costly"/>: exp, log, ...).</summary>
    private static bool IsCostly(Node node) => node.Op == Op.Call && node.Function!.Costly && node.Function.Vector is not null;

    /// <summary>
    /// The reduction pass that computes the most costly functions prefetches the next position's row of each input like
    /// x that it reads, so the next row's first pass finds it in cache instead of waiting on memory. None when no pass
    /// computes a costly function (a pass that only moves memory gains nothing: the hardware prefetcher streams it).
    /// </summary>
    private static (int Pass, List<string> Inputs) ChoosePrefetch(CompiledLoss loss, KernelPlan plan)
    {
        int most = 0;
        int chosen = -1;
        for (int p = 0; p < plan.Passes.Count; p++)
        {
            int costly = ClassValues(plan.Passes[p].Select(r => r.Args[0]), null).Count(IsCostly);
            if (costly > most)
            {
                most = costly;
                chosen = p;
            }
        }

        if (chosen < 0)
        {
            return (-1, new List<string>());
        }

        // Only inputs this pass reads: their strides are then part of its vector loop's condition.
        var read = new HashSet<string>(ClassValues(plan.Passes[chosen].Select(r => r.Args[0]), null).Where(n => n.Op == Op.Input).Select(n => n.Name));
        var inputs = new[] { "x" }.Concat(loss.Inputs.Where(i => i.Layout == InputLayout.LikeX).Select(i => i.Name)).Where(read.Contains).ToList();
        return inputs.Count == 0 ? (-1, inputs) : (chosen, inputs);
    }

    /// <summary>
    /// A costly class value that a reduction pass computes and the gradient pass needs again (softmax's exp(x - m)): the
    /// pass stores it in dx and the gradient pass reads it back. None when nothing qualifies, or when something after that
    /// pass still reads x (dx may be x).
    /// </summary>
    private static (Node? Cache, int Pass) ChooseCache(KernelPlan plan)
    {
        if (plan.Passes.Count == 0)
        {
            return (null, -1);
        }

        var passOf = new Dictionary<Node, int>();
        for (int p = 0; p < plan.Passes.Count; p++)
        {
            foreach (Node node in ClassValues(plan.Passes[p].Select(r => r.Args[0]), null))
            {
                if (!passOf.ContainsKey(node))
                {
                    passOf[node] = p;
                }
            }
        }

        Node[] finalRoots = plan.GradientRoots;
        Node? best = null;
        foreach (Node node in ClassValues(finalRoots, null))
        {
            if (passOf.ContainsKey(node) && IsCostly(node))
            {
                best = node;
            }
        }

        if (best is null)
        {
            return (null, -1);
        }

        int pass = passOf[best];
        static bool ReadsX(IEnumerable<Node> nodes) => nodes.Any(n => n.Op == Op.Input && n.Name == "x");
        if (ReadsX(ClassValues(finalRoots, best)) || ReadsX(ClassValues(plan.Passes.Skip(pass + 1).SelectMany(r => r).Select(r => r.Args[0]), null)))
        {
            return (null, -1);
        }

        return (best, pass);
    }

    /// <summary>The class-shaped values under <paramref name="roots"/>, children first, not looking past row values, picks or <paramref name="stop"/>.</summary>
    public static List<Node> ClassValues(IEnumerable<Node> roots, Node? stop)
    {
        var order = new List<Node>();
        var seen = new HashSet<Node>();
        var stack = new Stack<(Node Node, int Next)>();
        foreach (Node root in roots)
        {
            if (root.Shape != Shape.Class || !seen.Add(root))
            {
                continue;
            }

            stack.Push((root, 0));
            while (stack.Count > 0)
            {
                (Node node, int next) = stack.Pop();
                if (node != stop && next < node.Args.Length)
                {
                    stack.Push((node, next + 1));
                    Node arg = node.Args[next];
                    if (arg.Shape == Shape.Class && seen.Add(arg))
                    {
                        stack.Push((arg, 0));
                    }
                }
                else
                {
                    order.Add(node);
                }
            }
        }

        return order;
    }

    /// <summary>The gradient as <see cref="OneHotSplit"/>, or null when it has another form.</summary>
    private static OneHotSplit? SplitOneHot(Graph g, Node dx)
    {
        Node scale = g.One;
        Node inner = dx;
        if (dx.Op == Op.Call && dx.Function == Functions.Multiply)
        {
            if (dx.Args[0].Shape != Shape.Class && dx.Args[1].Shape == Shape.Class)
            {
                scale = dx.Args[0];
                inner = dx.Args[1];
            }
            else if (dx.Args[1].Shape != Shape.Class && dx.Args[0].Shape == Shape.Class)
            {
                scale = dx.Args[1];
                inner = dx.Args[0];
            }
        }

        if (inner.Op != Op.Call || inner.Function != Functions.Subtract)
        {
            return null;
        }

        Node a = inner.Args[0];
        Node b = inner.Args[1];
        Node? weight = b.Op == Op.OneHot ? g.One
            : b.Op == Op.Call && b.Function == Functions.Multiply && b.Args[1].Op == Op.OneHot && b.Args[0].Shape != Shape.Class ? b.Args[0]
            : b.Op == Op.Call && b.Function == Functions.Multiply && b.Args[0].Op == Op.OneHot && b.Args[1].Shape != Shape.Class ? b.Args[1]
            : null;
        if (weight is null || a.Shape != Shape.Class)
        {
            return null;
        }

        // s * (e * r2) as e * (s * r2): one product per element, the other once per row.
        Node main = a.Op == Op.Call && a.Function == Functions.Multiply && a.Args[1].Shape != Shape.Class && a.Args[0].Shape == Shape.Class
            ? g.Mul(a.Args[0], g.Mul(scale, a.Args[1]))
            : g.Mul(scale, a);
        return new OneHotSplit(main, g.Mul(scale, weight));
    }
}
