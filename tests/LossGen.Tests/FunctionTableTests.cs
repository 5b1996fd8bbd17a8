using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.IO;
using System.Linq;
using System.Reflection;
using System.Runtime.Loader;
using LossGen.Generator.Ir;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Xunit;

namespace LossGen.Tests;

/// <summary>
/// The function table (generator/Ir/Functions.cs) is the one place a function of the language is defined
/// (docs/architecture.md): docs/dsl.md's function tables are rendered from it, and a row added to a scratch copy of the
/// generator is parsed, differentiated, vectorised and documented with no other change.
/// </summary>
public class FunctionTableTests
{
    [Fact]
    public void Dsl_page_function_tables_are_rendered_from_the_table()
    {
        string path = Path.Combine(TestPaths.Root, "docs", "dsl.md");
        string page = File.ReadAllText(path).Replace("\r\n", "\n");
        string rendered = Replace(Replace(page, "elementwise", FunctionDocs.Elementwise()), "over-classes", FunctionDocs.OverClasses());
        if (Environment.GetEnvironmentVariable("LOSSGEN_UPDATE_BASELINES") == "1")
        {
            File.WriteAllText(path, rendered);
            return;
        }

        Assert.True(page == rendered, "docs/dsl.md's function tables differ from generator/Ir/Functions.cs; rerun with LOSSGEN_UPDATE_BASELINES=1 and review the diff:\n"
            + SnapshotTests.Diff(page, rendered));
    }

    /// <summary>The text between <c>&lt;!-- functions:name ... --&gt;</c> and <c>&lt;!-- /functions:name --&gt;</c> becomes <paramref name="table"/>.</summary>
    private static string Replace(string page, string name, string table)
    {
        string open = "<!-- functions:" + name + " ";
        string close = "<!-- /functions:" + name + " -->";
        int start = page.IndexOf(open, StringComparison.Ordinal);
        int end = page.IndexOf(close, StringComparison.Ordinal);
        Assert.True(start >= 0 && end > start, $"docs/dsl.md has no '{open}...' and '{close}' markers");
        int body = page.IndexOf('\n', start) + 1;
        return page[..body] + table + page[end..];
    }

    [Fact]
    public void Every_callable_row_is_documented()
    {
        foreach (Function f in Functions.Callable.Where(f => f.Kind is FunctionKind.Elementwise or FunctionKind.Reduction or FunctionKind.Composite))
        {
            Assert.False(string.IsNullOrWhiteSpace(f.Summary), f.Name + " has no summary");
            Assert.False(string.IsNullOrWhiteSpace(f.GradientDoc), f.Name + " has no gradient doc");
            Assert.Equal(f.Arity, f.ParameterNames.Length);
        }
    }

    /// <summary>The row the scratch copy gets: softsign(a) = a / (1 + |a|), whose derivative is 1 / (1 + |a|)^2.</summary>
    private const string SoftsignRow = """

            public static readonly Function Softsign = Row(new("softsign", 1, FunctionKind.Elementwise, "`a / (1 + abs(a))`")
            { GradientDoc = "`1 / (1 + abs(a))^2`", Vector = "{V}.Divide({0}, {V}.Add({V}.One, {V}.Abs({0})))", CSharp = "{0} / (T.One + T.Abs({0}))",
                Partials = (g, a, r) => new[] { g.Div(g.One, g.Call(Square, g.Add(g.One, g.Call(Abs, a[0])))) },
            });

        """;

    [Fact]
    public void A_row_added_to_a_scratch_copy_parses_differentiates_vectorises_and_documents()
    {
        Assembly generator = CompileScratchGenerator(out AssemblyLoadContext context);
        try
        {
            // Documented: the scratch copy's own renderer lists the new row with its meaning and gradient.
            string docs = (string)generator.GetType("LossGen.Generator.Ir.FunctionDocs")!.GetMethod("Elementwise")!.Invoke(null, null)!;
            Assert.Contains("| `softsign(a)` | `a / (1 + abs(a))` | `1 / (1 + abs(a))^2` |", docs);

            // Parsed, bound and differentiated: the loss compiles with no diagnostic, and the XML doc shows the derived gradient.
            var incremental = (IIncrementalGenerator)Activator.CreateInstance(generator.GetType("LossGen.Generator.LossGenerator")!)!;
            const string source = """
                using LossGen;
                [Loss("-sum(y * softsign(x))")]
                public static partial class Softsign;

                public static class Harness
                {
                    public static double Forward(double[] x, double[] y, int rows, int classes) =>
                        Softsign.Forward(new System.Numerics.Tensors.ReadOnlyTensorSpan<double>(x, [rows, classes]), new System.Numerics.Tensors.ReadOnlyTensorSpan<double>(y, [rows, classes]));

                    public static double ForwardBackward(double[] x, double[] y, double[] dx, int rows, int classes) =>
                        Softsign.ForwardBackward(new System.Numerics.Tensors.ReadOnlyTensorSpan<double>(x, [rows, classes]), new System.Numerics.Tensors.ReadOnlyTensorSpan<double>(y, [rows, classes]), new System.Numerics.Tensors.TensorSpan<double>(dx, [rows, classes]));
                }
                """;
            CSharpCompilation compilation = GeneratorHarness.Compilation(source);
            GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { incremental.AsSourceGenerator() }, parseOptions: GeneratorHarness.ParseOptions)
                .RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
            Assert.Empty(diagnostics);
            Assert.Null(driver.GetRunResult().Results.Single().Exception);
            string generated = driver.GetRunResult().GeneratedTrees.Single().ToString();
            Assert.Contains("softsign(x)", generated);
            Assert.Contains("square(1 + abs(x))", generated);

            // Vectorised: the row's vector form is in the class loops, written once for every width.
            Assert.Contains("TWidth.Add(TWidth.One, TWidth.Abs(", generated);

            // And it computes: loss and gradient against the formula, over rows long enough for vector loops and tails.
            using var stream = new MemoryStream();
            var emitted = output.Emit(stream);
            Assert.True(emitted.Success, string.Join("\n", emitted.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
            stream.Position = 0;
            Type harness = context.LoadFromStream(stream).GetType("Harness")!;
            const int rows = 3, classes = 37;
            var random = new Random(5);
            double[] x = Enumerable.Range(0, rows * classes).Select(_ => random.NextDouble() * 8 - 4).ToArray();
            double[] y = Enumerable.Range(0, rows * classes).Select(_ => random.NextDouble()).ToArray();
            double[] dx = new double[x.Length];
            double loss = (double)harness.GetMethod("ForwardBackward")!.Invoke(null, new object[] { x, y, dx, rows, classes })!;
            double expected = -Enumerable.Range(0, x.Length).Sum(i => y[i] * x[i] / (1 + Math.Abs(x[i]))) / rows;
            Assert.Equal(expected, loss, 1e-12);
            for (int i = 0; i < x.Length; i++)
            {
                double derivative = -y[i] / ((1 + Math.Abs(x[i])) * (1 + Math.Abs(x[i]))) / rows;
                Assert.True(Math.Abs(dx[i] - derivative) <= 1e-12, $"dx[{i}] = {dx[i]}, expected {derivative}");
            }
        }
        finally
        {
            context.Unload();
        }
    }

    /// <summary>The generator's sources with <see cref="SoftsignRow"/> added to the table, compiled and loaded.</summary>
    private static Assembly CompileScratchGenerator(out AssemblyLoadContext context)
    {
        string root = Path.Combine(TestPaths.Root, "generator");
        string separator = Path.DirectorySeparatorChar.ToString();
        var trees = new List<SyntaxTree>();
        foreach (string file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories))
        {
            string relative = Path.GetRelativePath(root, file);
            if (relative.StartsWith("bin" + separator, StringComparison.Ordinal) || relative.StartsWith("obj" + separator, StringComparison.Ordinal))
            {
                continue;
            }

            string text = File.ReadAllText(file);
            if (relative == Path.Combine("Ir", "Functions.cs"))
            {
                const string anchor = "    /// <summary>The functions a user may call by name";
                Assert.Contains(anchor, text);
                text = text.Replace(anchor, SoftsignRow + anchor);
            }

            trees.Add(CSharpSyntaxTree.ParseText(text, new CSharpParseOptions(LanguageVersion.Latest), path: file));
        }

        IEnumerable<MetadataReference> references = Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(CSharpCompilation).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(Compilation).Assembly.Location));
        CSharpCompilation compilation = CSharpCompilation.Create("LossGen.Generator.Scratch", trees, references,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, nullableContextOptions: NullableContextOptions.Enable));
        using var stream = new MemoryStream();
        var result = compilation.Emit(stream);
        Assert.True(result.Success, string.Join("\n", result.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error)));
        stream.Position = 0;
        context = new AssemblyLoadContext("scratch generator", isCollectible: true);
        return context.LoadFromStream(stream);
    }
}
