using System;
using System.Collections.Immutable;
using System.Linq;
using System.Threading.Tasks;
using LossGen.Generator;
using LossGen.Generator.Analyzers;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;

namespace LossGen.Analyzers.Tests;

/// <summary>The analyzer over calls to losses the generator really emitted: it reads their [LossInput] record.</summary>
public class GeneratedLossTests
{
    private const string Source = """
        using System;
        using System.Numerics.Tensors;
        using LossGen;

        [Loss("logsumexp(x) - x[t]")]
        public static partial class MyCrossEntropy;

        [Loss("ce = logsumexp(x) - x[t]; (1 - exp(-ce))^gamma * ce")]
        [LossParameter("gamma", 2.0)]
        public static partial class Focal;

        [NllLoss]
        public static partial class MyNll;

        [BinaryCrossEntropyLoss]
        public static partial class MyBce;

        [KLDivLoss(LogTarget = true)]
        public static partial class KlLogTarget;

        [KLDivLoss]
        public static partial class Kl;

        [Loss("z = scores / temperature; logsumexp(z) - z[label]")]
        [LossTensor("scores", Kind = InputKind.Logits)]
        [LossTensor("label", TensorRole.ClassIndices)]
        [LossTensor("temperature", Shape = TensorShape.PerPosition)]
        public static partial class Named;

        public static class Training
        {
            public static float Step(float[] logits, int[] targets, float[] labels, int n, int c)
            {
                var t = new ReadOnlyTensorSpan<int>(targets, [n], default);
                var y = new ReadOnlyTensorSpan<float>(labels, [n, c], default);
                var probs = new float[n * c];
                TensorPrimitives.SoftMax(logits, probs);
                var p = new ReadOnlyTensorSpan<float>(probs, [n, c], default);
                var x = new ReadOnlyTensorSpan<float>(logits, [n, c], default);
                float a = MyCrossEntropy.Forward(p, t);                 // LG0100
                float b = Focal.Forward(p, t, gamma: 1f);              // LG0100
                float d = MyNll.Forward(p, t);                         // LG0101
                float e = MyBce.Forward(p, y);                         // clean: probabilities
                float f = MyCrossEntropy.Forward(x, t) + Focal.Forward(x, t);   // clean: logits
                var logp = new float[n * c];
                TensorPrimitives.Log(probs, logp);
                var lp = new ReadOnlyTensorSpan<float>(logp, [n, c], default);
                float g = KlLogTarget.Forward(lp, p);                  // LG0101: y read as log-probabilities
                float h = Kl.Forward(lp, lp);                          // LG0104: y read as probabilities
                float k = Kl.Forward(lp, p) + KlLogTarget.Forward(lp, lp);   // clean
                var temperature = new ReadOnlyTensorSpan<float>(new float[n], [n], default);
                float m = Named.Forward(p, t, temperature);            // LG0100: a named prediction declared as logits
                float q = Named.Forward(x, t, p);                      // clean: temperature states no kind
                return a + b + d + e + f + g + h + k + m + q;
            }
        }
        """;

    [Fact]
    public async Task Every_generated_loss_is_checked_by_its_record()
    {
        var compilation = CSharpCompilation.Create(
            "Generated",
            new[] { CSharpSyntaxTree.ParseText(Source, new CSharpParseOptions(LanguageVersion.Preview), path: "Training.cs") },
            Verify.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        CSharpGeneratorDriver.Create(new[] { new LossGenerator().AsSourceGenerator() }, parseOptions: new CSharpParseOptions(LanguageVersion.Preview)).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        Assert.Empty(generatorDiagnostics);
        Assert.Empty(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));

        ImmutableArray<Diagnostic> diagnostics = await output.WithAnalyzers(ImmutableArray.Create<DiagnosticAnalyzer>(new LossInputAnalyzer())).GetAnalyzerDiagnosticsAsync();
        var found = diagnostics
            .Select(d => (d.Id, Line: d.Location.GetLineSpan().StartLinePosition.Line + 1))
            .OrderBy(d => d.Line)
            .ToList();
        string[] lines = Source.Split('\n');
        int Line(string marker) => Array.FindIndex(lines, l => l.Contains(marker, StringComparison.Ordinal)) + 1;
        Assert.Equal(
            new[] { ("LG0100", Line("float a =")), ("LG0100", Line("float b =")), ("LG0101", Line("float d =")), ("LG0101", Line("float g =")), ("LG0104", Line("float h =")), ("LG0100", Line("float m =")) },
            found);
    }
}
