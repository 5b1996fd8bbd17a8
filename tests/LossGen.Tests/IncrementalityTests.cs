using System.Linq;
using LossGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace LossGen.Tests;

/// <summary>The pipeline caches: an edit that touches no loss re-runs no step after extraction.</summary>
public class IncrementalityTests
{
    private const string Losses = """
        using LossGen;
        [Loss("logsumexp(x) - x[t]", IgnoreIndex = -100)]
        public static partial class CrossEntropy;
        [Loss("(x - y)^2")]
        public static partial class Mse;
        """;

    [Fact]
    public void Unrelated_edit_reruns_nothing()
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(Losses, "public class Unrelated { public int A; }");
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);

        // Edit the unrelated file.
        SyntaxTree old = compilation.SyntaxTrees.Last();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText("public class Unrelated { public int A; public int B; }", GeneratorHarness.ParseOptions, path: old.FilePath));
        driver = driver.RunGenerators(edited);

        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        foreach (string step in new[] { TrackingNames.Spec, TrackingNames.Key, TrackingNames.Compile, TrackingNames.Source, TrackingNames.Diagnostics, TrackingNames.Places })
        {
            var outputs = result.TrackedSteps[step].SelectMany(s => s.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }
    }

    /// <summary>
    /// An edit above the losses in their own file (a comment, a new method) moves every declaration but changes none: the
    /// compile key holds no source position, so no compile or emit step re-runs, and the diagnostics follow the move.
    /// </summary>
    [Theory]
    [InlineData("// a comment above the losses\n")]
    [InlineData("public static class Helpers\n{\n    public static int Twice(int a) => 2 * a;\n}\n")]
    public void Edit_above_a_loss_in_the_same_file_recompiles_nothing_and_moves_its_diagnostics(string inserted)
    {
        const string source = """
            using LossGen;
            [Loss("log(softmax(x))[t]")]
            public static partial class Fragile;
            [Loss("(x - y)^2")]
            public static partial class Mse;
            """;
        CSharpCompilation compilation = GeneratorHarness.Compilation(source);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(compilation, out _, out var before);
        SyntaxTree old = compilation.SyntaxTrees.Single();
        string moved = source.Replace("using LossGen;\n", "using LossGen;\n" + inserted);
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(moved, GeneratorHarness.ParseOptions, path: old.FilePath));
        driver = driver.RunGeneratorsAndUpdateCompilation(edited, out _, out var after);

        GeneratorRunResult result = driver.GetRunResult().Results.Single();
        var spec = result.TrackedSteps[TrackingNames.Spec].SelectMany(s => s.Outputs).ToList();
        Assert.Contains(spec, o => o.Reason == IncrementalStepRunReason.Modified); // the declarations did move
        foreach (string step in new[] { TrackingNames.Key, TrackingNames.Compile, TrackingNames.Source, TrackingNames.Diagnostics })
        {
            var outputs = result.TrackedSteps[step].SelectMany(s => s.Outputs).ToList();
            Assert.NotEmpty(outputs);
            Assert.All(outputs, o => Assert.True(o.Reason is IncrementalStepRunReason.Cached or IncrementalStepRunReason.Unchanged, $"{step}: {o.Reason}"));
        }

        // The warning on log(softmax(x)) moved with its line, and still covers the same characters.
        Diagnostic first = Assert.Single(before, d => d.Id == "LG0010");
        Diagnostic second = Assert.Single(after, d => d.Id == "LG0010");
        int lines = inserted.Count(c => c == '\n');
        Assert.Equal(first.Location.GetLineSpan().StartLinePosition.Line + lines, second.Location.GetLineSpan().StartLinePosition.Line);
        Assert.Equal(first.Location.GetLineSpan().StartLinePosition.Character, second.Location.GetLineSpan().StartLinePosition.Character);
        Assert.Equal("log(softmax(x))", second.Location.SourceTree!.ToString().Substring(second.Location.SourceSpan.Start, second.Location.SourceSpan.Length));
        Assert.True(second.Location.IsInSource, "the diagnostic is located in its syntax tree, where #pragma and .editorconfig apply");
    }

    [Fact]
    public void A_pragma_suppresses_a_loss_diagnostic()
    {
        const string source = """
            using LossGen;
            #pragma warning disable LG0010
            [Loss("log(softmax(x))[t]")]
            public static partial class Fragile;
            #pragma warning restore LG0010
            """;
        GeneratorHarness.Driver().RunGeneratorsAndUpdateCompilation(GeneratorHarness.Compilation(source), out _, out var diagnostics);
        Diagnostic warning = Assert.Single(diagnostics, d => d.Id == "LG0010");
        Assert.True(warning.IsSuppressed);
    }

    [Fact]
    public void Editing_one_loss_recompiles_only_that_loss()
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(Losses);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        SyntaxTree old = compilation.SyntaxTrees.Single();
        CSharpCompilation edited = compilation.ReplaceSyntaxTree(old, CSharpSyntaxTree.ParseText(Losses.Replace("(x - y)^2", "abs(x - y)"), GeneratorHarness.ParseOptions, path: old.FilePath));
        driver = driver.RunGenerators(edited);

        var compile = driver.GetRunResult().Results.Single().TrackedSteps[TrackingNames.Compile].SelectMany(s => s.Outputs).ToList();
        Assert.Equal(1, compile.Count(o => o.Reason == IncrementalStepRunReason.Modified));
        Assert.Equal(1, compile.Count(o => o.Reason is IncrementalStepRunReason.Unchanged or IncrementalStepRunReason.Cached));
    }

    [Fact]
    public void Models_hold_no_symbols_or_syntax()
    {
        CSharpCompilation compilation = GeneratorHarness.Compilation(Losses);
        GeneratorDriver driver = GeneratorHarness.Driver().RunGenerators(compilation);
        var tracked = driver.GetRunResult().Results.Single().TrackedSteps;
        Assert.Contains(TrackingNames.Spec, tracked.Keys);
        foreach (var steps in tracked.Where(p => p.Key.StartsWith("LossGen.", System.StringComparison.Ordinal)).Select(p => p.Value))
        {
            foreach (var output in steps.SelectMany(s => s.Outputs))
            {
                AssertPlainData(output.Value, 0);
            }
        }
    }

    private static void AssertPlainData(object? value, int depth)
    {
        if (value is null || depth > 6)
        {
            return;
        }

        Assert.False(value is ISymbol or SyntaxNode or Compilation or SemanticModel, "pipeline model holds " + value.GetType());
        var type = value.GetType();
        if (type.IsPrimitive || value is string)
        {
            return;
        }

        foreach (var property in type.GetProperties().Where(p => p.GetIndexParameters().Length == 0))
        {
            object? child;
            try
            {
                child = property.GetValue(value);
            }
            catch (System.Reflection.TargetInvocationException)
            {
                continue;
            }

            if (child is System.Collections.IEnumerable items && child is not string)
            {
                foreach (object? item in items)
                {
                    AssertPlainData(item, depth + 1);
                }
            }
            else
            {
                AssertPlainData(child, depth + 1);
            }
        }
    }
}
