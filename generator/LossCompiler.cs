using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using LossGen.Generator.Autodiff;
using LossGen.Generator.Emit;
using LossGen.Generator.Ir;
using LossGen.Generator.Model;
using LossGen.Generator.Semantics;
using LossGen.Generator.Syntax;

namespace LossGen.Generator;

/// <summary>
/// The whole compiler as one pure function: a <see cref="LossSpec"/> in, generated source and diagnostics out.
/// Syntax → semantics → reverse-mode differentiation → kernel plan → C#. Never throws: an unexpected failure becomes
/// diagnostic LG9999 rather than an exception that would disable the generator.
/// </summary>
internal static class LossCompiler
{
    /// <summary>Names the generated methods use for their own parameters; a hyper-parameter may not take them.</summary>
    private static readonly string[] ReservedParameterNames = { "x", "y", "t", "w", "posWeight", "loss", "dloss", "dx", "dy", "T", "TIndex" };

    public static GeneratedLoss Compile(LossSpec spec, CancellationToken cancellation = default)
    {
        var diagnostics = new List<DiagnosticInfo>(spec.Diagnostics);
        string hintName = spec.Type.HintName;
        try
        {
            string source = diagnostics.Any(d => IsError(d.Id)) ? string.Empty : CompileCore(spec, diagnostics, cancellation);
            return new GeneratedLoss(hintName, source, diagnostics.ToEquatableArray());
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            diagnostics.Add(new DiagnosticInfo("LG9999", Anchor.Attribute, new[] { exception.GetType().Name + ": " + exception.Message }.ToEquatableArray()));
            return new GeneratedLoss(hintName, string.Empty, diagnostics.ToEquatableArray());
        }
    }

    /// <summary>Parses, binds and differentiates; null with diagnostics when the expression has an error.</summary>
    public static CompiledLoss? Analyze(LossSpec spec, List<DslDiagnostic> dsl, List<DiagnosticInfo> other, CancellationToken cancellation = default, string kernelPrefix = "")
    {
        var parameters = new List<string>();
        for (int index = 0; index < spec.Parameters.Count; index++)
        {
            ParameterSpec parameter = spec.Parameters[index];
            if (parameters.Contains(parameter.Name) || ReservedParameterNames.Contains(parameter.Name) || Functions.Callable.Any(f => f.Name == parameter.Name) || !NamedInputs.IsIdentifier(parameter.Name))
            {
                other.Add(new DiagnosticInfo(DiagnosticIds.DuplicateName, Anchor.Parameter(index), new[] { parameter.Name, NamedInputs.IsIdentifier(parameter.Name) ? "an input, a generated parameter, a function or another hyper-parameter" : "nothing: it is not an identifier of the language" }.ToEquatableArray()));
                return null;
            }

            if (double.IsNaN(parameter.DefaultValue) || double.IsInfinity(parameter.DefaultValue))
            {
                other.Add(new DiagnosticInfo(DiagnosticIds.NonFiniteConstant, Anchor.Parameter(index), new[] { parameter.DefaultValue.ToString(System.Globalization.CultureInfo.InvariantCulture) }.ToEquatableArray()));
                return null;
            }

            parameters.Add(parameter.Name);
        }

        LossProgram? program = Parser.Parse(spec.Expression, dsl);
        if (program is null)
        {
            return null;
        }

        cancellation.ThrowIfCancellationRequested();
        IReadOnlyList<InputSpec> declared = spec.Inputs.Count == 0
            ? Binder.DslInputs
            : spec.Inputs.Select(i => new InputSpec(i.Name, i.Layout, i.Differentiable, i.Public)).ToList();
        bool named = spec.Inputs.Any(i => i.Public is not null);
        BoundLoss? bound = Binder.Bind(spec.Expression, program, declared, parameters, dsl);
        if (bound is null)
        {
            return null;
        }

        cancellation.ThrowIfCancellationRequested();
        for (int index = 0; index < spec.Parameters.Count; index++)
        {
            if (!bound.ParametersUsed.Contains(spec.Parameters[index].Name))
            {
                other.Add(new DiagnosticInfo(DiagnosticIds.UnusedParameter, Anchor.Parameter(index), new[] { spec.Parameters[index].Name }.ToEquatableArray()));
            }
        }

        if (spec.HasIgnoreIndex && !bound.UsesTarget)
        {
            other.Add(new DiagnosticInfo(DiagnosticIds.IgnoreWithoutTarget, Anchor.Attribute, EquatableArray<string>.Empty));
        }

        Graph g = bound.Graph;
        Node seed = g.Seed(bound.Loss.Shape);
        var differentiable = declared.Where(i => i.Differentiable && (named || bound.InputsUsed.Contains(i.Name))).Select(i => i.Name).ToList();
        Dictionary<string, Node> gradients = ReverseMode.Gradients(g, bound.Loss, seed, differentiable);
        if (g.TooLarge)
        {
            dsl.Add(new DslDiagnostic(DiagnosticIds.TooComplex, new Span(0, spec.Expression.Length), "its gradient grows past " + Graph.MaxNodes.ToString(System.Globalization.CultureInfo.InvariantCulture) + " operations or " + Graph.MaxDepth.ToString(System.Globalization.CultureInfo.InvariantCulture) + " levels"));
            return null;
        }

        // Without named inputs, y has a gradient output only where the loss is differentiable in it (as before named
        // inputs); a named prediction always has one.
        var others = declared
            .Where(i => i.Name != "x" && gradients.TryGetValue(i.Name, out Node? gi) && (named || gi != g.Zero))
            .Select(i => new GradientOutput(i, gradients[i.Name]))
            .ToList();
        var used = declared.Where(i => i.Name is not ("x" or Binder.Target) && (named || bound.InputsUsed.Contains(i.Name))).ToList();
        return new CompiledLoss(spec, bound, seed, gradients["x"], others, used) { KernelPrefix = kernelPrefix };
    }

    private static string CompileCore(LossSpec spec, List<DiagnosticInfo> diagnostics, CancellationToken cancellation)
    {
        if (spec.Kernel.Length > 0)
        {
            // A canned loss with a runtime kernel of its own (CTC): nothing to parse or differentiate.
            return RuntimeKernelEmitter.Emit(spec, LossEmitter.GeneratedCode);
        }

        var dsl = new List<DslDiagnostic>();
        CompiledLoss? loss = Analyze(spec, dsl, diagnostics, cancellation);
        foreach (DslDiagnostic d in dsl)
        {
            diagnostics.Add(new DiagnosticInfo(d.Id, LiteralMap.Locate(spec.LiteralToken, d.Span), d.Arguments.ToEquatableArray()) { Replacement = d.Replacement });
        }

        if (loss is null || diagnostics.Any(d => IsError(d.Id)))
        {
            return string.Empty;
        }

        CompiledLoss? variant = null;
        if (spec.Variant is { } variantSpec)
        {
            var variantDsl = new List<DslDiagnostic>();
            variant = Analyze(variantSpec, variantDsl, diagnostics, cancellation, kernelPrefix: "Broadcast");
            if (variant is null || variantDsl.Count > 0)
            {
                diagnostics.Add(new DiagnosticInfo("LG9999", Anchor.Attribute, new[] { "the second form of the loss does not compile: " + string.Join("; ", variantDsl.Select(d => d.Id)) }.ToEquatableArray()));
                return string.Empty;
            }
        }

        cancellation.ThrowIfCancellationRequested();
        string source = LossEmitter.Emit(loss, variant);
        if (source.Length > MaxSourceLength)
        {
            diagnostics.Add(new DiagnosticInfo(DiagnosticIds.TooComplex, LiteralMap.Locate(spec.LiteralToken, new Span(0, spec.Expression.Length)),
                new[] { "its kernels would take more than " + (MaxSourceLength / 1_000_000).ToString(System.Globalization.CultureInfo.InvariantCulture) + " MB of C# (deeply nested class-axis functions multiply the passes)" }.ToEquatableArray()));
            return string.Empty;
        }

        return source;
    }

    /// <summary>The most generated C# one loss may produce; beyond it the loss gets LG0016 instead of a huge file.</summary>
    private const int MaxSourceLength = 4_000_000;

    private static bool IsError(string id) => Diagnostics.DiagnosticDescriptors.ById(id).DefaultSeverity == Microsoft.CodeAnalysis.DiagnosticSeverity.Error;
}
