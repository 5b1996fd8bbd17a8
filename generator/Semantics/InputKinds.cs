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
    public static InputKind Infer(Node loss, string input = "x")
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

        Node? x = order.FirstOrDefault(n => n.Op == Op.Input && n.Name == input);
        if (x is null)
        {
            return InputKind.Values;
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

        return logits ? InputKind.Logits : probabilities ? InputKind.Probabilities : pickedLinear ? InputKind.LogProbabilities : InputKind.Values;
    }

    /// <summary>
    /// The kind a role states for the analyzers, or null when it states none: a prediction's "logits", "probabilities",
    /// "log-probabilities" or "values", a target's "target probabilities" or "target log-probabilities" (KLDivLoss's y
    /// with and without LogTarget, soft-label cross entropy's y).
    /// </summary>
    public static InputKind? Declared(string role) => role switch
    {
        "logits" => InputKind.Logits,
        "probabilities" or "target probabilities" => InputKind.Probabilities,
        "log-probabilities" or "target log-probabilities" => InputKind.LogProbabilities,
        "values" => InputKind.Values,
        _ => null,
    };

    /// <summary>The kind a canned loss states for x ("logits", "probabilities", "log-probabilities").</summary>
    public static InputKind FromRole(string role) => role switch
    {
        "logits" => InputKind.Logits,
        "probabilities" => InputKind.Probabilities,
        "log-probabilities" => InputKind.LogProbabilities,
        _ => InputKind.Values,
    };
}

/// <summary>What x holds, as the analyzers read it from the generated <c>[LossInput]</c> (the runtime's <c>LossGen.InputKind</c>, same names).</summary>
internal enum InputKind
{
    Values,
    Logits,
    Probabilities,
    LogProbabilities,
}
