using System.Collections.Generic;
using System.Linq;
using LossGen.Generator.Ir;
using LossGen.Generator.Model;
using LossGen.Generator.Semantics;

namespace LossGen.Generator.Autodiff;

/// <summary>
/// A gradient output besides dx: the input it belongs to and its value. Its tensor is <see cref="Tensor"/> (dy for y);
/// it has the input's layout (a gradient of a per-position input is one value per position).
/// </summary>
internal sealed record GradientOutput(InputSpec Input, Node Value)
{
    public string Tensor => "d" + Input.Name;
}

/// <summary>A loss after binding and differentiation: what the emitter turns into C#.</summary>
internal sealed class CompiledLoss
{
    public CompiledLoss(LossSpec spec, BoundLoss bound, Node seed, Node dx, IReadOnlyList<GradientOutput> others, IReadOnlyList<InputSpec> inputs)
    {
        Spec = spec;
        Graph = bound.Graph;
        Loss = bound.Loss;
        MeanWeight = bound.MeanWeight;
        UsesTarget = bound.UsesTarget;
        Seed = seed;
        Dx = dx;
        Others = others;
        Inputs = inputs;
        ParametersUsed = bound.ParametersUsed;
        Flat = IsFlat(bound, inputs);
        XKind = KindOf("x");
        Named = spec.Inputs.Any(i => i.Public is not null);
    }

    /// <summary>
    /// The loss declares named inputs (<c>[LossTensor]</c>, or a canned loss that names its own): the generated methods take
    /// exactly <see cref="LossSpec.Inputs"/>, in that order and under their public names, and every prediction has a
    /// gradient output (zero where the loss does not depend on it).
    /// </summary>
    public bool Named { get; }

    /// <summary>What an input holds for the analyzers: as declared, else inferred from the expression.</summary>
    public InputKind KindOf(string input)
    {
        InputDecl? declared = Spec.Inputs.FirstOrDefault(i => i.Name == input);
        return declared is not null && declared.Role.Length > 0 ? InputKinds.FromRole(declared.Role) : InputKinds.Infer(Loss, input);
    }

    /// <summary>
    /// The name the user knows a kernel tensor by: an input's declared name, d followed by it for its gradient, the
    /// compiler's name otherwise (loss, dloss, and every input of a loss without named inputs).
    /// </summary>
    public string Shown(string tensor)
    {
        foreach (InputDecl input in Spec.Inputs)
        {
            if (input.Name == tensor)
            {
                return input.Shown;
            }

            if ("d" + input.Name == tensor && input.Differentiable)
            {
                return "d" + input.Shown;
            }
        }

        return tensor;
    }

    /// <summary>What x holds (<see cref="InputKinds"/>): recorded on the generated parameter for the analyzers.</summary>
    public InputKind XKind { get; }

    /// <summary>Put before the names of this form's kernels (a second form of a loss in the same class: "Broadcast").</summary>
    public string KernelPrefix { get; init; } = string.Empty;

    public LossSpec Spec { get; }

    public Graph Graph { get; }

    public Node Loss { get; }

    public Node? MeanWeight { get; }

    public bool UsesTarget { get; }

    public Node Seed { get; }

    public Node Dx { get; }

    /// <summary>
    /// The gradients besides dx, in input order: dy where y enters the loss differentiably, every other prediction of
    /// named inputs. The kernels with them serve the overloads that take all gradients.
    /// </summary>
    public IReadOnlyList<GradientOutput> Others { get; }

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
