using System.Collections.Generic;
using System.Linq;
using LossGen.Generator.Ir;

namespace LossGen.Generator.Semantics;

/// <summary>
/// Infers what a loss expects in x from how the expression uses it: follow each path from x up through linear
/// operations (+, -, unary minus, *, /, e[t]) to the first function that is not linear. What that function says about its
/// argument is in its row (<see cref="Function.Use"/>): log-sum-exp, sigmoid and softplus mean logits; log, bce and xlogy
/// mean probabilities; a path that stays linear through a class pick
/// (nll) means log-probabilities; anything else, plain values. Logits win over probabilities, which win over the rest.
/// </summary>
internal static class InputKinds
{
    public const int Values = 0;
    public const int Logits = 1;
    public const int Probabilities = 2;
    public const int LogProbabilities = 3;

    public static int Infer(Node loss)
    {
        List<Node> order = Walk.TopologicalOrder(loss);
        var users = new Dictionary<Node, List<Node>>();
        foreach (Node node in order)
        {
            foreach (Node arg in node.Args)
            {
                if (!users.TryGetValue(arg, out List<Node>? list))
                {
                    users[arg] = list = new List<Node>();
                }

                list.Add(node);
            }
        }

        Node? x = order.FirstOrDefault(n => n.Op == Op.Input && n.Name == "x");
        if (x is null)
        {
            return Values;
        }

        bool logits = false, probabilities = false, pickedLinear = false;
        var seen = new HashSet<(Node, bool)>();
        var stack = new Stack<(Node Node, bool Picked)>();
        stack.Push((x, false));
        while (stack.Count > 0)
        {
            (Node node, bool picked) = stack.Pop();
            if (!seen.Add((node, picked)))
            {
                continue;
            }

            if (node == loss)
            {
                pickedLinear |= picked;
            }

            if (!users.TryGetValue(node, out List<Node>? parents))
            {
                continue;
            }

            foreach (Node parent in parents)
            {
                if (parent.Op == Op.Pick)
                {
                    stack.Push((parent, true));
                }
                switch (parent.Function?.Use)
                {
                    case ArgumentUse.Linear:
                        stack.Push((parent, picked));
                        break;
                    case ArgumentUse.Logits:
                        logits = true;
                        break;
                    case ArgumentUse.Probabilities:
                        probabilities = true;
                        break;
                }
            }
        }

        return logits ? Logits : probabilities ? Probabilities : pickedLinear ? LogProbabilities : Values;
    }

    /// <summary>The kind a canned loss states for x ("logits", "probabilities", "log-probabilities").</summary>
    public static int FromRole(string role) => role switch
    {
        "logits" => Logits,
        "probabilities" => Probabilities,
        "log-probabilities" => LogProbabilities,
        _ => Values,
    };

    public static string Name(int kind) => kind switch
    {
        Logits => "Logits",
        Probabilities => "Probabilities",
        LogProbabilities => "LogProbabilities",
        _ => "Values",
    };
}
