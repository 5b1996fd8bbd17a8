using System;
using System.Collections.Generic;
using System.IO;
using System.Linq;
using System.Text;
using LossGen.Generator;
using LossGen.Generator.Autodiff;
using LossGen.Generator.Canned;
using LossGen.Generator.Ir;
using LossGen.Generator.Model;
using LossGen.Generator.Semantics;
using Xunit;

namespace LossGen.Tests;

/// <summary>
/// docs/losses.md is rendered from the compiler's own canned definitions (formula, options, derived gradients). The
/// test fails when the page drifts; LOSSGEN_UPDATE_BASELINES=1 rewrites it.
/// </summary>
public class LossesPageTests
{
    [Fact]
    public void Losses_page_is_rendered_from_the_compiler_definitions()
    {
        string page = Render();
        string path = Path.Combine(TestPaths.Root, "docs", "losses.md");
        if (Environment.GetEnvironmentVariable("LOSSGEN_UPDATE_BASELINES") == "1")
        {
            File.WriteAllText(path, page);
            return;
        }

        Assert.True(File.Exists(path), "docs/losses.md is missing; run the tests with LOSSGEN_UPDATE_BASELINES=1");
        Assert.True(File.ReadAllText(path).Replace("\r\n", "\n") == page, "docs/losses.md differs from the compiler's canned definitions; rerun with LOSSGEN_UPDATE_BASELINES=1 and review the diff");
    }

    public static string Render()
    {
        var sb = new StringBuilder();
        sb.Append("# Canned losses\n\n");
        sb.Append("<!-- Generated from generator/Canned/CannedLosses.cs by tests/LossGen.Tests/LossesPageTests.cs; do not edit by hand. -->\n\n");
        sb.Append("Each attribute below is PyTorch's loss of the same name with the same options. It is lowered to a formula of the\n");
        sb.Append("[expression language](dsl.md) and compiled by the same compiler as `[Loss]`: the formulas and gradients on this page are\n");
        sb.Append("the compiler's own (`g` is the upstream gradient of each loss value, `C` the class count). Every attribute takes\n");
        sb.Append("`Reduction` (default `Mean`); those over classes also take `Classes` and `ClassAxis`.\n\n");
        sb.Append("Two losses are not formulas of the language: `[CtcLoss]`, a dynamic program over time, and `[MultiLabelMarginLoss]`,\n");
        sb.Append("a sum over every pair of classes. Each has a runtime kernel of its own, with the same validation and the same\n");
        sb.Append("gradient as PyTorch. The generated methods of a loss take its inputs in the order listed; a loss with more than\n");
        sb.Append("`x` and `y` as predictions (`[GaussianNllLoss]`'s `var`, the triplet losses' three tensors) takes every gradient in\n");
        sb.Append("that order too (`d` followed by the input's name), as [named inputs](dsl.md#named-inputs) do. `[GaussianNllLoss]`\n");
        sb.Append("follows PyTorch's definition (an elementwise loss, then the reduction); TorchSharp 0.107's own `gaussian_nll_loss`\n");
        sb.Append("sums over the last axis before reducing, so the tests compare with PyTorch's formula written in TorchSharp ops.\n\n");
        foreach (CannedLoss loss in CannedLosses.All)
        {
            sb.Append($"## `[{loss.Attribute}]`\n\n");
            sb.Append($"PyTorch: `{loss.PyTorch}`.{(loss.OverClasses ? " Takes `Classes` and `ClassAxis`." : string.Empty)}\n\n");
            if (loss.Options.Count > 0)
            {
                sb.Append("| option | default | meaning |\n|---|---|---|\n");
                foreach (CannedOption option in loss.Options)
                {
                    sb.Append($"| `{option.Name}` | `{Show(option)}` | {option.Doc} |\n");
                }

                sb.Append('\n');
            }

            foreach ((string label, Dictionary<string, object?> options) in Variants(loss))
            {
                var diagnostics = new List<DiagnosticInfo>();
                var type = new TypeSpec(string.Empty, EquatableArray<string>.Empty, "L", string.Empty);
                LossSpec spec = CannedLosses.ToSpec(loss, type, options, diagnostics);
                if (spec.Kernel.Length > 0)
                {
                    sb.Append($"**{label}** — inputs: {string.Join(", ", spec.Inputs.Select(i => $"`{i.Shown}` ({i.Role})"))}\n\n");
                    string why = spec.Kernel == "Ctc" ? "A dynamic program over time, exact in log space" : "A sum over every pair of a target class and another class";
                    string optionList = spec.KernelOptions.Count == 0 ? string.Empty : "; options: " + string.Join(", ", spec.KernelOptions.AsSpan().ToArray().Select(o => o.Name + " = " + o.DefaultValue.ToString(System.Globalization.CultureInfo.InvariantCulture)));
                    sb.Append($"{why}: the language does not say it, so it is computed by its own runtime kernel (`LossGen.Internal.{spec.Kernel}`){optionList}.\n\n");
                    continue;
                }

                var dsl = new List<DslDiagnostic>();
                var compiled = LossCompiler.Analyze(spec, dsl, diagnostics) ?? throw new InvalidOperationException(loss.Attribute + " " + label + ": " + string.Join("; ", dsl));
                sb.Append($"**{label}** — inputs: {string.Join(", ", spec.Inputs.Select(i => $"`{i.Shown}` ({i.Role})"))}\n\n");
                sb.Append("```\n");
                sb.Append($"formula:  {spec.Expression}\n");
                sb.Append($"L       = {Printer.Print(compiled.Loss, compiled.Shown)}\n");
                if (compiled.MeanWeight is not null)
                {
                    sb.Append($"Mean divides by the sum of {Printer.Print(compiled.MeanWeight, compiled.Shown)}\n");
                }

                sb.Append($"{Label("dL/d" + compiled.Shown("x"))}= {Printer.Print(compiled.Dx, compiled.Shown)}\n");
                foreach (GradientOutput other in compiled.Others)
                {
                    sb.Append($"{Label("dL/d" + compiled.Shown(other.Input.Name))}= {Printer.Print(other.Value, compiled.Shown)}\n");
                }

                if (spec.HasIgnoreIndex)
                {
                    sb.Append($"positions with t == {spec.IgnoreIndex} are ignored\n");
                }

                sb.Append("```\n\n");
            }
        }

        return sb.ToString();
    }

    /// <summary>A gradient's label, padded to the width of "L       " (longer ones get one space).</summary>
    private static string Label(string label) => label.Length >= 8 ? label + " " : label.PadRight(8);

    private static string Show(CannedOption option) => option.Default switch
    {
        bool b => b ? "true" : "false",
        double d => d.ToString("R", System.Globalization.CultureInfo.InvariantCulture),
        int i when option.Name == "Target" => i == 0 ? "TargetKind.ClassIndices" : "TargetKind.Probabilities",
        var v => Convert.ToString(v, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty,
    };

    /// <summary>The defaults, then each option changed on its own.</summary>
    private static IEnumerable<(string Label, Dictionary<string, object?> Options)> Variants(CannedLoss loss)
    {
        yield return ("Default", new Dictionary<string, object?>());
        foreach (CannedOption option in loss.Options)
        {
            object? changed = option.Default switch
            {
                bool b => !b,
                int when option.Name == "Target" => 1,
                double when option.Name == "LabelSmoothing" => 0.1,
                double when option.Name == "Alpha" => -1.0,
                double when option.Name == "P" && loss.Attribute == "TripletMarginLoss" => 1.0,
                string when option.Name == "DistanceFunction" => "1 - sum(a * b) / (norm(a) * norm(b))",
                _ => null,
            };
            if (changed is not null)
            {
                yield return ($"{option.Name} = {(changed is bool cb ? (cb ? "true" : "false") : changed is int ? "TargetKind.Probabilities" : changed is string text ? "\"" + text + "\"" : Convert.ToString(changed, System.Globalization.CultureInfo.InvariantCulture))}", new Dictionary<string, object?> { [option.Name] = changed });
            }
        }
    }
}
