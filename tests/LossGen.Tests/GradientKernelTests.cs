using System;
using System.Linq;
using System.Text.RegularExpressions;
using Xunit;

namespace LossGen.Tests;

/// <summary>
/// One gradient kernel serves Backward and ForwardBackward (docs/architecture.md, "Emit"): the loss is chosen by a type
/// argument, and everything that serves only the loss runs under <c>if (TOutputs.Loss)</c>.
/// </summary>
public class GradientKernelTests
{
    private static string Generate(string expression, string options = "")
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Declare(expression, options));
        Assert.True(result.Diagnostics.IsEmpty && result.CompileErrors.Count == 0, result.Describe());
        return result.Generated.Single().Value.Replace("\r\n", "\n");
    }

    /// <summary>The text of one generated kernel and its chunk struct, up to the next kernel.</summary>
    private static string Kernel(string code, string name)
    {
        Match kernel = Regex.Match(code, $@"private static \w+ {name}<");
        Assert.True(kernel.Success, $"no {name} in the generated code");
        int start = kernel.Index;
        Match next = Regex.Match(code.Substring(start + kernel.Length), @"private static \w+ \w+Kernel<");
        int end = next.Success ? start + kernel.Length + next.Index : -1;
        return end < 0 ? code.Substring(start) : code.Substring(start, end - start);
    }

    [Theory]
    [InlineData("logsumexp(x) - x[t]", "IgnoreIndex = -100")]
    [InlineData("logsumexp(x) - x[t]", "Classes = 10")]
    [InlineData("-sum(y * log_softmax(x))", "")]
    [InlineData("sum(y * tanh(x))", "")]
    [InlineData("0.5 * (x - y)^2", "Reduction = Reduction.Sum")]
    [InlineData("logsumexp(x) - x[t]", "Reduction = Reduction.None")]
    public void Backward_and_ForwardBackward_share_one_kernel_with_the_loss_chosen(string expression, string options)
    {
        string code = Generate(expression, options);
        Assert.DoesNotContain("BackwardKernel", code);
        Assert.Contains("ForwardKernel<", code);
        // (The Half overloads call these float overloads on float copies: docs/dsl.md, "Half precision".)
        foreach (string line in code.Split('\n').Where(l => l.Contains("public static") && l.Contains(" Backward(") && !l.Contains("System.Half")))
        {
            Assert.Contains("global::LossGen.Internal.KernelOutputs.Gradient>", NextLine(code, line));
        }

        foreach (string line in code.Split('\n').Where(l => l.Contains("public static") && l.Contains(" ForwardBackward(") && !l.Contains("System.Half")))
        {
            Assert.Contains("global::LossGen.Internal.KernelOutputs.LossAndGradient>", NextLine(code, line));
        }

        // Every write of the loss in the gradient kernel is guarded.
        string gradient = Kernel(code, "GradientKernel");
        foreach (string line in gradient.Split('\n').Where(l => (l.Contains("total +=") && !l.Contains("total += Rows")) || Regex.IsMatch(l, @"(?<![A-Za-z])lossRef")))
        {
            if (line.Contains("ref T lossRef = ref") || line.Contains("pinned.Ref<T>") || line.Contains("Unsafe.As<T, byte>(ref lossRef)") || line.Contains("Check.NoOverlap"))
            {
                continue;
            }

            Assert.StartsWith("if (TOutputs.Loss) ", line.TrimStart());
        }
    }

    [Fact]
    public void A_pass_only_the_loss_needs_runs_only_when_the_loss_is_asked_for()
    {
        // dL/dx = y * (1 - tanh(x)^2) needs no reduction: the pass summing y * tanh(x) is the loss's alone, and dx does not
        // take its tanh from a cache that pass would fill.
        string gradient = Kernel(Generate("sum(y * tanh(x))"), "GradientKernel");
        string[] lines = gradient.Split('\n').Select(l => l.Trim()).ToArray();
        int pass = Array.FindIndex(lines, l => l.StartsWith("// Pass 1 over the classes: sum(y * tanh(x))", StringComparison.Ordinal));
        Assert.True(pass >= 0, gradient);
        Assert.Equal("if (TOutputs.Loss)", lines.Skip(pass + 1).First(l => !l.StartsWith("T sum", StringComparison.Ordinal)));
        Assert.DoesNotContain("stored by pass", gradient);
    }

    [Fact]
    public void A_read_at_the_target_only_the_loss_needs_is_skipped_otherwise()
    {
        // Cross entropy's gradient is softmax(x) - one_hot(t): x[t] serves the loss alone.
        string gradient = Kernel(Generate("logsumexp(x) - x[t]"), "GradientKernel");
        Assert.Matches(@"T x\d+ = TOutputs\.Loss \? Unsafe\.Add\(ref xRef, xOffset \+ target \* xStride\) : default;", gradient);
    }

    private static string NextLine(string code, string line)
    {
        int at = code.IndexOf(line + "\n", StringComparison.Ordinal);
        int start = at + line.Length + 1;
        int end = code.IndexOf('\n', start);
        return code.Substring(start, end - start);
    }
}
