using System.Linq;
using Xunit;

namespace LossGen.Tests;

/// <summary>docs/dsl.md's example table: every expression compiles with no diagnostic and the generated code compiles.</summary>
public class ExampleTests
{
    public static TheoryData<string, string, string> Examples => new()
    {
        { "logsumexp(x) - x[t]", "", "" },
        { "-log_softmax(x)[t]", "", "" },
        { "-sum(y * log_softmax(x))", "", "" },
        { "-x[t]", "", "" },
        { "softplus(x) - x * y", "", "" },
        { "-(y * log(x) + (1 - y) * log(1 - x))", "", "" },
        { "y * (log(y) - x)", "Reduction = Reduction.BatchMean", "" },
        { "(x - y)^2", "", "" },
        { "abs(x - y)", "Reduction = Reduction.Sum", "" },
        { "0.5*min(abs(x - y), delta)^2 + delta*(abs(x - y) - min(abs(x - y), delta))", "", "[LossParameter(\"delta\", 1.0)]\n" },
        { "exp(x) - y * x", "Reduction = Reduction.None", "" },
        { "ce = logsumexp(x) - x[t]; (1 - exp(-ce))^gamma * ce", "", "[LossParameter(\"gamma\", 2.0)]\n" },
        { "mean_by(w[t] * (logsumexp(x) - x[t]), w[t])", "IgnoreIndex = -100", "" },
        { "lse = logsumexp(x); (1 - ls)*(lse - x[t]) + ls*mean(lse - x)", "ClassAxis = -1, Classes = 10", "[LossParameter(\"ls\", 0.1)]\n" },
        { "y * (log(y) - log_softmax(x))", "Reduction = Reduction.None", "" },
        { "max(x) - min(x) + clamp(x, -1, 1)[t] + sqrt(abs(x))[t] + tanh(x)[t] + relu(x)[t] + log1p(abs(x))[t] + expm1(x)[t] + square(x)[t] + sigmoid(x)[t] + log_sigmoid(x)[t] + max(x, y)[t] + min(x, 0)[t] + x[t]^x[t]", "", "" },
        { "one_hot(t) * log_softmax(x) * w", "Reduction = Reduction.Sum", "" },
    };

    [Theory]
    [MemberData(nameof(Examples))]
    public void Compiles_clean(string expression, string options, string extra)
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Declare(expression, options, extra));
        Assert.True(result.Diagnostics.IsEmpty && result.CompileErrors.Count == 0, result.Describe());
        Assert.Single(result.Generated);
    }

    /// <summary>
    /// The generated XML docs are well formed and every cref resolves: the first overload of each method is documented
    /// and the others inherit its docs (compiled with documentation diagnostics on, as a project with
    /// GenerateDocumentationFile is).
    /// </summary>
    [Theory]
    [InlineData("logsumexp(x) - x[t]", "IgnoreIndex = -100", "")]
    [InlineData("-sum(y * log_softmax(x))", "", "")]
    [InlineData("0.5*min(abs(x - y), delta)^2 + delta*(abs(x - y) - min(abs(x - y), delta))", "Reduction = Reduction.None", "[LossParameter(\"delta\", 1.0)]\n")]
    public void Generated_docs_are_well_formed_and_overloads_inherit_them(string expression, string options, string extra)
    {
        var parseOptions = GeneratorHarness.ParseOptions.WithDocumentationMode(Microsoft.CodeAnalysis.DocumentationMode.Diagnose);
        var compilation = Microsoft.CodeAnalysis.CSharp.CSharpCompilation.Create("Docs",
            new[] { Microsoft.CodeAnalysis.CSharp.CSharpSyntaxTree.ParseText(GeneratorHarness.Declare(expression, options, extra), parseOptions) },
            GeneratorHarness.Compilation().References,
            new Microsoft.CodeAnalysis.CSharp.CSharpCompilationOptions(Microsoft.CodeAnalysis.OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        var driver = Microsoft.CodeAnalysis.CSharp.CSharpGeneratorDriver.Create(new[] { Microsoft.CodeAnalysis.GeneratorExtensions.AsSourceGenerator(new LossGen.Generator.LossGenerator()) }, parseOptions: parseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out var output, out _);
        var generated = output.SyntaxTrees.Single(t => t.FilePath.EndsWith(".LossGen.g.cs", System.StringComparison.Ordinal));
        var docProblems = output.GetDiagnostics().Where(d => d.Location.SourceTree == generated && d.Id.StartsWith("CS15", System.StringComparison.Ordinal)).ToList();
        Assert.True(docProblems.Count == 0, string.Join("\n", docProblems));
        string text = generated.ToString();
        int overloads = text.Split("        public static ").Length - 1;
        int inherited = text.Split("/// <inheritdoc cref=").Length - 1;
        Assert.True(inherited > 0 && 2 * inherited >= overloads, $"{inherited} of {overloads} public overloads inherit their docs");
    }

    [Fact]
    public void Nested_and_namespaced_classes_compile()
    {
        const string source = """
            using LossGen;
            namespace My.Models
            {
                public static partial class Outer
                {
                    internal partial class Middle<TItem>
                    {
                        [Loss("(x - y)^2")]
                        public static partial class Mse;
                    }
                }
            }
            [Loss("logsumexp(x) - x[t]")]
            static partial class TopLevel;
            namespace Other
            {
                [Loss("abs(x - y)", Reduction = Reduction.None)]
                public static partial class L1;
            }
            """;
        var result = GeneratorHarness.Run(source);
        Assert.True(result.Diagnostics.IsEmpty && result.CompileErrors.Count == 0, result.Describe());
        Assert.Equal(3, result.Generated.Count);
    }

    [Theory]
    [InlineData("c")]
    [InlineData("seed")]
    [InlineData("k1")]
    [InlineData("classes")]
    [InlineData("total")]
    [InlineData("position")]
    [InlineData("target")]
    [InlineData("x1")]
    public void Hyper_parameter_named_like_a_generated_local_compiles(string name)
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Declare($"logsumexp(x) - x[t] * {name} + 1", "Reduction = Reduction.Mean, IgnoreIndex = 0", $"[LossParameter(\"{name}\", 2.0)]\n"));
        Assert.True(result.Diagnostics.IsEmpty && result.CompileErrors.Count == 0, result.Describe());
    }

    [Fact]
    public void Mean_by_without_targets_compiles()
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Declare("mean_by(logsumexp(x), 2 + sum(w))"));
        Assert.True(result.Diagnostics.IsEmpty && result.CompileErrors.Count == 0, result.Describe());
    }

    [Fact]
    public void Defaults_beyond_float_range_compile()
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Declare("(x - y)^2 * big", extra: "[LossParameter(\"big\", 1e300)]\n"));
        Assert.True(result.Diagnostics.IsEmpty && result.CompileErrors.Count == 0, result.Describe());
    }

    [Fact]
    public void Hyper_parameter_named_like_a_keyword_compiles()
    {
        var result = GeneratorHarness.Run(GeneratorHarness.Declare("(x - y)^2 * base", extra: "[LossParameter(\"base\", 2.0)]\n"));
        Assert.True(result.Diagnostics.IsEmpty && result.CompileErrors.Count == 0, result.Describe());
    }
}
