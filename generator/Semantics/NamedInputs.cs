using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using LossGen.Generator.Ir;
using LossGen.Generator.Model;
using Microsoft.CodeAnalysis.CSharp;

namespace LossGen.Generator.Semantics;

/// <summary>One <c>[LossTensor]</c> as written: its name and the runtime enums' values (TensorRole, TensorShape, InputKind; -1 unset).</summary>
internal readonly record struct TensorDeclaration(string Name, int Role, int Shape, int Kind);

/// <summary>
/// Turns <c>[LossTensor]</c> declarations into the loss's inputs (docs/dsl.md, "Named inputs"): the first prediction is
/// the compiler's <c>x</c> (its shape and class axis are the reference), class indices its <c>t</c>, every other tensor
/// keeps its name, with a trailing underscore where the bare name would meet a local of the generated kernel. Mistakes
/// become diagnostics anchored at the declaration.
/// </summary>
internal static class NamedInputs
{
    private const int Prediction = 0, Weight = 2, ClassIndices = 3;
    private const int LikePrediction = 0, PerPosition = 1, PerClass = 2;

    /// <summary>The most tensors a kernel pins (inputs and outputs together): what the chunk runner passes.</summary>
    public const int MaxPinned = 10;

    /// <summary>Names the generated kernels use for locals of their own, or for their other parameters.</summary>
    private static readonly HashSet<string> KernelNames = new()
    {
        "x", "t", "y", "w", "loss", "dloss", "seed", "total", "axis", "c", "classes", "chunks", "classIndices", "denominator",
        "position", "positions", "start", "end", "pinned", "target", "targetValue", "targetLanes", "tailMask", "badPosition",
        "batch", "k", "T", "TIndex", "TWidth", "TVector", "TOutputs",
    };

    public static List<InputDecl> Resolve(IReadOnlyList<TensorDeclaration> declarations, IEnumerable<string> parameters, List<DiagnosticInfo> diagnostics)
    {
        var inputs = new List<InputDecl>();
        var parameterNames = new HashSet<string>(parameters);
        var seen = new HashSet<string>();
        int first = -1;
        for (int i = 0; i < declarations.Count; i++)
        {
            if (declarations[i].Role == Prediction && first < 0)
            {
                first = i;
            }
        }

        if (first < 0)
        {
            diagnostics.Add(Invalid(0, "a loss with [LossTensor] declarations needs at least one TensorRole.Prediction (the tensor it is differentiated with respect to)"));
            return inputs;
        }

        bool hasIndices = false;
        for (int i = 0; i < declarations.Count; i++)
        {
            TensorDeclaration d = declarations[i];
            string name = d.Name;
            if (!IsIdentifier(name))
            {
                diagnostics.Add(Duplicate(i, name, "nothing: it is not an identifier of the language"));
                continue;
            }

            if (!seen.Add(name) || parameterNames.Contains(name) || name is "loss" or "dloss" || Functions.Callable.Any(f => f.Name == name))
            {
                diagnostics.Add(Duplicate(i, name, "another tensor, a hyper-parameter, a function or a generated parameter (loss, dloss)"));
                continue;
            }

            if (d.Role is < Prediction or > ClassIndices || d.Shape is < LikePrediction or > PerClass)
            {
                diagnostics.Add(Invalid(i, $"[LossTensor(\"{name}\")] has a role or shape that is not a TensorRole or TensorShape value"));
                continue;
            }

            bool differentiable = d.Role == Prediction;
            InputLayout layout = d.Role == ClassIndices ? InputLayout.PerRow : d.Shape switch
            {
                PerPosition => InputLayout.PerRow,
                PerClass => InputLayout.PerClass,
                _ => InputLayout.LikeX,
            };

            if (i == first && layout != InputLayout.LikeX)
            {
                diagnostics.Add(Invalid(i, $"the first prediction '{name}' sets the shape of the others, so its shape is TensorShape.LikePrediction"));
                continue;
            }

            if (differentiable && layout == InputLayout.PerClass)
            {
                diagnostics.Add(Invalid(i, $"'{name}' is one value per class and shared by every position: it cannot be a prediction (its gradient would sum over the batch); declare it TensorRole.Weight"));
                continue;
            }

            if (d.Role == ClassIndices && hasIndices)
            {
                diagnostics.Add(Invalid(i, $"'{name}': a loss takes at most one tensor of class indices"));
                continue;
            }

            hasIndices |= d.Role == ClassIndices;
            string compilerName = i == first ? "x" : d.Role == ClassIndices ? Binder.Target : Safe(name);
            string role = d.Role switch
            {
                ClassIndices => "class indices",
                Weight => "weights",
                Prediction => d.Kind switch { 0 => "values", 1 => "logits", 2 => "probabilities", 3 => "log-probabilities", _ => string.Empty },
                _ => "target",
            };
            inputs.Add(new InputDecl(compilerName, layout, differentiable, role, name));
        }

        foreach (InputDecl input in inputs.Where(i => i.Differentiable))
        {
            string gradient = "d" + input.Shown;
            if (inputs.Any(i => i.Shown == gradient) || parameterNames.Contains(gradient))
            {
                diagnostics.Add(Duplicate(declarations.ToList().FindIndex(d => d.Name == gradient) is var at and >= 0 ? at : 0, gradient, $"the gradient output of '{input.Shown}'"));
            }
        }

        int pinned = inputs.Count + inputs.Count(i => i.Differentiable) + 2;
        if (pinned > MaxPinned)
        {
            diagnostics.Add(Invalid(declarations.Count - 1, $"{inputs.Count} tensors and {inputs.Count(i => i.Differentiable)} gradients are more than a kernel takes ({(MaxPinned - 2).ToString(CultureInfo.InvariantCulture)} tensors and gradients together)"));
        }

        return inputs;
    }

    /// <summary>The compiler's name of a tensor: its own, or with a trailing underscore where that would meet a kernel local.</summary>
    private static string Safe(string name) =>
        KernelNames.Contains(name) || char.IsDigit(name[name.Length - 1]) || name[name.Length - 1] == '_' || SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None
            ? name + "_"
            : name;

    private static DiagnosticInfo Duplicate(int index, string name, string what) =>
        new(DiagnosticIds.DuplicateName, Anchor.Tensor(index), new[] { name, what }.ToEquatableArray());

    private static DiagnosticInfo Invalid(int index, string message) =>
        new(DiagnosticIds.InvalidOption, Anchor.Tensor(index), new[] { message }.ToEquatableArray());

    /// <summary>An identifier as the lexer reads one (ASCII letters, digits and underscores, not starting with a digit): hyper-parameters and tensors.</summary>
    public static bool IsIdentifier(string name) =>
        name.Length > 0 && !char.IsDigit(name[0]) && name.All(c => (c < 128 && char.IsLetterOrDigit(c)) || c == '_');
}
