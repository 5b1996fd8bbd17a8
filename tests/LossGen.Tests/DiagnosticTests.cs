using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace LossGen.Tests;

/// <summary>Each diagnostic of docs/dsl.md fires with its id, at the offending token inside the string, with its message.</summary>
public class DiagnosticTests
{
    /// <summary>Expression, expected id, the text the diagnostic must point at, a fragment of its message.</summary>
    public static TheoryData<string, string, string, string> Cases => new()
    {
        { "logsumexp(x) - x[t", "LG0001", "", "expected ']'" },
        { "x + * y", "LG0001", "*", "expected a value" },
        { "(x - y", "LG0001", "", "expected ')'" },
        { "x $ y", "LG0001", "$", "unexpected character '$'" },
        { "", "LG0001", "", "empty" },
        { "x y", "LG0001", "y", "after the end" },
        { "sum()", "LG0001", ")", "at least one argument" },
        { "(x - yy)^2", "LG0002", "yy", "did you mean 'y'?" },
        { "ce = logsumexp(x) - x[t]; (1 - exp(-cee)) * ce", "LG0002", "cee", "did you mean 'ce'?" },
        { "logsumexp(x) - x[q]", "LG0002", "q", "only the class-index target" },
        { "-sum(y * log_sofmax(x))", "LG0003", "log_sofmax", "did you mean 'log_softmax'?" },
        { "logsumexp(x, y)", "LG0004", "logsumexp", "'logsumexp' takes 1 argument(s), not 2" },
        { "clamp(x, 0)", "LG0004", "clamp", "takes 3 argument(s), not 2" },
        { "logsumexp(x)[t]", "LG0005", "logsumexp(x)[t]", "already has one value per position" },
        { "softmax(x[t])", "LG0006", "softmax(x[t])", "'softmax' works along the class axis" },
        { "sum(logsumexp(x))", "LG0006", "sum(logsumexp(x))", "one value per position" },
        { "x * t", "LG0007", "t", "is not a value" },
        { "y * 2", "LG0008", "y * 2", "does not depend on the prediction x" },
        { "x * 1e999", "LG0009", "1e999", "'1e999' is not a finite number" },
        { "-log(softmax(x))[t]", "LG0010", "log(softmax(x))", "use log_softmax(x)" },
        { "p = softmax(x); -sum(y * log(p))", "LG0010", "log(p)", "use log_softmax(x)" },
        { "-(y * log(sigmoid(x)) + (1 - y) * log(1 - sigmoid(x)))", "LG0011", "log(sigmoid(x))", "use log_sigmoid(x)" },
        { "log(1 + exp(x)) - x * y", "LG0012", "log(1 + exp(x))", "use softplus(x)" },
        { "log(exp(x) + 1) - x * y", "LG0012", "log(exp(x) + 1)", "use softplus(x)" },
        { "-log_softmax(softmax(x))[t]", "LG0013", "log_softmax(softmax(x))", "already normalised" },
        { "-sum(y * log(softmax(softmax(x))))", "LG0013", "softmax(softmax(x))", "already normalised" },
        { "mean_by(x, w[t]) + 1", "LG0017", "mean_by", "may only be the whole loss" },
        { "mean_by(logsumexp(x) - x[t], x[t])", "LG0017", "x[t]", "must not depend on x or y" },
        { "x = 2; x * y", "LG0018", "x", "already taken" },
        { "a = x; a = y; a", "LG0018", "a", "already taken" },
        { "where(x < y < 1, x, y)", "LG0001", "<", "comparisons do not chain" },
        { "where(x =< y, x, y)", "LG0001", "=", "" },
        { "where(x ! y, x, y)", "LG0001", "!", "unexpected character '!'" },
        { "x * (x > 0)", "LG0022", ">", "only be written as the first argument of where" },
        { "c = x >= y; where(c, x, y)", "LG0022", ">=", "a comparison is a condition" },
        { "where(x, x, y)", "LG0022", "x", "must be a comparison" },
        { "where(t < 1, x, y)", "LG0007", "t", "is not a value" },
        { "where(t == x, x, y)", "LG0007", "t", "is not a value" },
        { "x > 0", "LG0022", ">", "a comparison is a condition" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Reports_at_the_offending_token(string expression, string id, string token, string message)
    {
        string source = GeneratorHarness.Declare(expression);
        GeneratorHarness.Result result = GeneratorHarness.Run(source);
        Diagnostic? diagnostic = result.Diagnostics.FirstOrDefault(d => d.Id == id);
        Assert.True(diagnostic is not null, $"expected {id} for '{expression}', got:\n{result.Describe()}");
        string located = source.Substring(diagnostic!.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length);
        Assert.Equal(token, located);
        Assert.Contains(message, diagnostic.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal($"https://github.com/lossgen/lossgen/blob/main/docs/diagnostics/{id}.md", diagnostic.Descriptor.HelpLinkUri);
        if (diagnostic.Severity == DiagnosticSeverity.Error)
        {
            Assert.Empty(result.Generated);
        }
    }

    [Fact]
    public void Location_maps_through_escape_sequences()
    {
        // "\u0078" is x: the unknown name after it must still be found at its own characters.
        string source = "using LossGen;\n[Loss(\"\\u0078 * zz\")]\npublic static partial class L;\n";
        var diagnostic = GeneratorHarness.Run(source).Diagnostics.Single(d => d.Id == "LG0002");
        Assert.Equal("zz", source.Substring(diagnostic.Location.SourceSpan.Start, diagnostic.Location.SourceSpan.Length));
    }

    [Fact]
    public void Location_maps_in_verbatim_strings()
    {
        string source = "using LossGen;\n[Loss(@\"x * \"\"\"\" + zz\")]\npublic static partial class L;\n";
        var diagnostics = GeneratorHarness.Run(source).Diagnostics;
        Assert.Contains(diagnostics, d => d.Id == "LG0001");
    }

    [Fact]
    public void Class_must_be_static_partial()
    {
        var result = GeneratorHarness.Run("using LossGen;\n[Loss(\"(x - y)^2\")]\npublic partial class NotStatic { }\n");
        Diagnostic d = Assert.Single(result.Diagnostics, d => d.Id == "LG0014");
        Assert.Contains("NotStatic", d.GetMessage());
    }

    [Fact]
    public void Containing_class_must_be_partial()
    {
        var result = GeneratorHarness.Run("using LossGen;\npublic class Outer { [Loss(\"(x - y)^2\")] public static partial class Inner; }\n");
        Assert.Contains(result.Diagnostics, d => d.Id == "LG0014");
    }

    [Theory]
    [InlineData("Reduction = (Reduction)7", "Reduction = 7")]
    [InlineData("Classes = -3", "Classes = -3")]
    [InlineData("ClassAxis = -3", "ClassAxis = -3")]
    public void Invalid_options_are_errors(string options, string message)
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Declare("logsumexp(x) - x[t]", options));
        Diagnostic d = Assert.Single(result.Diagnostics, d => d.Id == "LG0015");
        Assert.Contains(message, d.GetMessage());
    }

    [Fact]
    public void Too_deep_nesting_is_a_diagnostic_not_a_crash()
    {
        string deep = new string('(', 5000) + "x" + new string(')', 5000);
        var result = GeneratorHarness.Run(GeneratorHarness.Declare(deep));
        Assert.Contains(result.Diagnostics, d => d.Id == "LG0016");
    }

    [Fact]
    public void Long_sums_are_a_diagnostic_not_a_crash()
    {
        string sum = string.Join(" + ", Enumerable.Repeat("x", 100_000));
        var result = GeneratorHarness.Run(GeneratorHarness.Declare(sum));
        Assert.Contains(result.Diagnostics, d => d.Id == "LG0016");
    }

    [Fact]
    public void Deeply_nested_class_axis_functions_are_a_diagnostic_not_a_huge_file()
    {
        // Each level feeds a log_softmax of the previous level twice: the passes multiply with the depth.
        string program = "a0 = x; " + string.Concat(System.Linq.Enumerable.Range(0, 120).Select(i => $"a{i + 1} = log_softmax(a{i} + a{i}); ")) + "-a120[t]";
        var result = GeneratorHarness.Run(GeneratorHarness.Declare(program));
        Diagnostic d = Assert.Single(result.Diagnostics, d => d.Id == "LG0016");
        Assert.Contains("MB of C#", d.GetMessage());
        Assert.Empty(result.Generated);
    }

    [Fact]
    public void Hyper_parameter_clashing_with_an_input_is_an_error()
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Declare("(x - y)^2 * y", extra: "[LossParameter(\"y\", 1.0)]\n"));
        Assert.Contains(result.Diagnostics, d => d.Id == "LG0018");
    }

    [Theory]
    [InlineData("[Loss(\"-sum(y * log_softmax(x))\")]\n[CrossEntropyLoss]", "[Loss], [CrossEntropyLoss]")]
    [InlineData("[CrossEntropyLoss(LabelSmoothing = 0.1)]\n[NllLoss]", "[CrossEntropyLoss], [NllLoss]")]
    public void Two_losses_on_one_class_are_an_error_on_each_attribute_and_generate_nothing(string attributes, string listed)
    {
        // docs/diagnostics/LG0021.md: without the check both losses would be added under the same hint name.
        string source = "using LossGen;\n" + attributes + "\npublic static partial class Both;\n[Loss(\"(x - y)^2\")]\npublic static partial class Other;\n";
        var result = GeneratorHarness.Run(source);
        var errors = result.Diagnostics.Where(d => d.Id == "LG0021").ToList();
        Assert.Equal(2, errors.Count);
        Assert.All(errors, d => Assert.Equal(DiagnosticSeverity.Error, d.Severity));
        Assert.All(errors, d => Assert.Contains("'Both' has more than one loss attribute (" + listed + ")", d.GetMessage()));
        Assert.Equal(new[] { 1, 2 }, errors.Select(d => d.Location.GetLineSpan().StartLinePosition.Line).OrderBy(l => l));
        Assert.DoesNotContain(result.Generated.Keys, k => k.StartsWith("Both", System.StringComparison.Ordinal));
        Assert.Contains(result.Generated.Keys, k => k.StartsWith("Other", System.StringComparison.Ordinal));
    }

    [Fact]
    public void Unused_hyper_parameter_is_a_warning()
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Declare("(x - y)^2", extra: "[LossParameter(\"beta\", 1.0)]\n"));
        Diagnostic d = Assert.Single(result.Diagnostics);
        Assert.Equal("LG0020", d.Id);
        Assert.Equal(DiagnosticSeverity.Warning, d.Severity);
        Assert.Empty(result.CompileErrors);
    }

    [Fact]
    public void Ignore_index_without_targets_is_a_warning()
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Declare("(x - y)^2", "IgnoreIndex = -100"));
        Assert.Equal("LG0019", Assert.Single(result.Diagnostics).Id);
    }

    [Fact]
    public void Every_descriptor_has_a_help_page_and_a_release_entry()
    {
        string root = TestPaths.Root;
        string releases = System.IO.File.ReadAllText(System.IO.Path.Combine(root, "generator", "AnalyzerReleases.Unshipped.md"));
        foreach (var descriptor in typeof(LossGen.Generator.LossGenerator).Assembly.GetType("LossGen.Generator.Diagnostics.DiagnosticDescriptors")!
                     .GetField("All")!.GetValue(null) as System.Collections.Generic.IEnumerable<DiagnosticDescriptor> ?? [])
        {
            Assert.True(System.IO.File.Exists(System.IO.Path.Combine(root, "docs", "diagnostics", descriptor.Id + ".md")), "missing help page for " + descriptor.Id);
            Assert.Contains(descriptor.Id + " |", releases);
        }
    }
}
