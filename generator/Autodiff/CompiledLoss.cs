using System.Collections.Generic;
using System.Linq;
using LossGen.Generator.Ir;
using LossGen.Generator.Model;
using LossGen.Generator.Semantics;

namespace LossGen.Generator.Autodiff;

/// <summary>A loss after binding and differentiation: what the emitter turns into C#.</summary>
internal sealed class CompiledLoss
{
    public CompiledLoss(LossSpec spec, BoundLoss bound, Node seed, Node dx, Node? dy, IReadOnlyList<InputSpec> inputs)
    {
        Spec = spec;
        Graph = bound.Graph;
        Loss = bound.Loss;
        MeanWeight = bound.MeanWeight;
        UsesTarget = bound.UsesTarget;
        Seed = seed;
        Dx = dx;
        Dy = dy;
        Inputs = inputs;
        ParametersUsed = bound.ParametersUsed;
        Flat = IsFlat(bound, inputs);
        InputDecl? declared = spec.Inputs.FirstOrDefault(i => i.Name == "x");
        XKind = declared is not null ? InputKinds.FromRole(declared.Role) : InputKinds.Infer(bound.Loss);
    }

    /// <summary>What x holds (<see cref="InputKinds"/>): recorded on the generated parameter for the analyzers.</summary>
    public InputKind XKind { get; }

    public LossSpec Spec { get; }

    public Graph Graph { get; }

    public Node Loss { get; }

    public Node? MeanWeight { get; }

    public bool UsesTarget { get; }

    public Node Seed { get; }

    public Node Dx { get; }

    /// <summary>The gradient with respect to y, where y enters the loss differentiably.</summary>
    public Node? Dy { get; }

    /// <summary>The tensor inputs the loss uses besides x and t, in signature order.</summary>
    public IReadOnlyList<InputSpec> Inputs { get; }

    public IReadOnlyList<string> ParametersUsed { get; }

    /// <summary>No class axis at all: every element is its own position (MSE, BCE...).</summary>
    public bool Flat { get; }

    /// <summary>The loss has one value per element of x rather than per position.</summary>
    public bool Elementwise => Loss.Shape == Shape.Class;

    public Reduction Reduction => Spec.Reduction;

    private static bool IsFlat(BoundLoss bound, IReadOnlyList<InputSpec> inputs)
    {
        if (bound.UsesTarget || inputs.Any(i => i.Layout is InputLayout.PerClass or InputLayout.PerRow))
        {
            return false;
        }

        var roots = new List<Node> { bound.Loss };
        return !Walk.TopologicalOrder(roots.ToArray()).Any(n => n.IsReduction || n.Op is Op.Pick or Op.OneHot or Op.ClassCount);
    }
}
