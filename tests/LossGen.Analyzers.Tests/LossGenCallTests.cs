using System.Threading.Tasks;
using LossGen.Generator.Analyzers;
using Xunit;
using static LossGen.Analyzers.Tests.Verify;

namespace LossGen.Analyzers.Tests;

/// <summary>
/// LG0100, LG0101, LG0104 at calls to generated losses. The losses here are hand-written stand-ins carrying the same
/// <c>[LossInput]</c> record the generator writes, so the analyzer is tested without the generator having run
/// (<see cref="GeneratedLossTests"/> runs it).
/// </summary>
public class LossGenCallTests
{
    private const string Losses = """
        public static class CrossEntropy
        {
            public static float Forward([LossInput(InputKind.Logits)] ReadOnlyTensorSpan<float> x, ReadOnlyTensorSpan<int> t) => 0;
            public static float ForwardBackward([LossInput(InputKind.Logits)] ReadOnlyTensorSpan<float> x, ReadOnlyTensorSpan<int> t, TensorSpan<float> dx, float dloss = 1) => 0;
            public static float Forward([LossInput(InputKind.Logits)] ReadOnlySpan<float> x, ReadOnlySpan<int> t, int classes) => 0;
        }

        public static class Nll
        {
            public static float Forward([LossInput(InputKind.LogProbabilities)] ReadOnlyTensorSpan<float> x, ReadOnlyTensorSpan<int> t) => 0;
        }

        public static class Bce
        {
            public static float Forward([LossInput(InputKind.Probabilities)] ReadOnlyTensorSpan<float> x, ReadOnlyTensorSpan<float> y) => 0;
        }

        public static class Mse
        {
            public static float Forward([LossInput(InputKind.Values)] ReadOnlyTensorSpan<float> x, ReadOnlyTensorSpan<float> y) => 0;
        }
        """;

    private static string Code(string body) => $$"""
        using System;
        using System.Numerics.Tensors;
        using LossGen;

        {{Losses}}

        public static class Training
        {
            public static float Step(float[] logits, int[] targets, float[] labels, int n, int c, bool flag)
            {
                var t = new ReadOnlyTensorSpan<int>(targets, [n], default);
                var y = new ReadOnlyTensorSpan<float>(labels, [n, c], default);
        {{body}}
            }

            private static void Fill(float[] buffer) { }
        }
        """;

    // ---- LG0100 ------------------------------------------------------------------------------------------------

    [Fact]
    public Task Softmax_buffer_passed_as_logits() => Diagnostics<LossInputAnalyzer>(Code("""
                var probs = new float[n * c];
                TensorPrimitives.SoftMax(logits, probs);
                return CrossEntropy.Forward({|LG0100:new ReadOnlyTensorSpan<float>(probs, [n, c], default)|}, t);
        """));

    [Fact]
    public Task Row_wise_softmax_in_a_loop_through_span_views() => Diagnostics<LossInputAnalyzer>(Code("""
                float[] probs = new float[n * c];
                for (int i = 0; i < n; i++)
                {
                    TensorPrimitives.SoftMax(logits.AsSpan(i * c, c), probs.AsSpan(i * c, c));
                }

                var x = new ReadOnlyTensorSpan<float>(probs, [n, c], default);
                float[] accuracy = new float[n];
                return CrossEntropy.Forward({|LG0100:x|}, t) + TensorPrimitives.Max(probs);
        """));

    [Fact]
    public Task Sigmoid_into_a_span_alias() => Diagnostics<LossInputAnalyzer>(Code("""
                Span<float> scores = new float[n * c];
                TensorPrimitives.Sigmoid(logits, scores);
                return CrossEntropy.Forward({|LG0100:scores|}, targets, c);
        """));

    [Fact]
    public Task Tensor_SoftMax_value_and_destination_forms() => Diagnostics<LossInputAnalyzer>(Code("""
                var xs = new ReadOnlyTensorSpan<float>(logits, [n, c], default);
                Tensor<float> probs = Tensor.SoftMax(xs);
                var a = CrossEntropy.Forward({|LG0100:probs|}, t);
                var buffer = new float[n * c];
                var dest = new TensorSpan<float>(buffer, [n, c], default);
                Tensor.Sigmoid(xs, dest);
                var b = CrossEntropy.Forward({|LG0100:dest|}, t);
                return a + b + CrossEntropy.Forward({|LG0100:Tensor.SoftMax(xs)|}, t);
        """));

    [Fact]
    public Task In_place_softmax_of_the_logits_buffer() => Diagnostics<LossInputAnalyzer>(Code("""
                TensorPrimitives.SoftMax(logits, logits);
                return CrossEntropy.Forward({|LG0100:new ReadOnlyTensorSpan<float>(logits, [n, c], default)|}, t);
        """));

    [Fact]
    public Task Stackalloc_span_written_by_softmax() => Diagnostics<LossInputAnalyzer>(Code("""
                Span<float> probs = stackalloc float[c];
                TensorPrimitives.SoftMax(logits.AsSpan(0, c), probs);
                return CrossEntropy.Forward({|LG0100:new ReadOnlyTensorSpan<float>(probs)|}, t);
        """));

    [Fact]
    public Task Tensor_view_of_a_softmax_tensor() => Diagnostics<LossInputAnalyzer>(Code("""
                Tensor<float> probs = Tensor.SoftMax(new ReadOnlyTensorSpan<float>(logits, [n, c], default));
                return CrossEntropy.Forward({|LG0100:probs.AsReadOnlyTensorSpan()|}, t);
        """));

    // ---- LG0101 / LG0104 ---------------------------------------------------------------------------------------

    [Fact]
    public Task Softmax_passed_as_log_probabilities() => Diagnostics<LossInputAnalyzer>(Code("""
                var probs = new float[n * c];
                TensorPrimitives.SoftMax(logits, probs);
                return Nll.Forward({|LG0101:new ReadOnlyTensorSpan<float>(probs, [n, c], default)|}, t);
        """));

    [Fact]
    public Task Log_of_probabilities_passed_as_probabilities() => Diagnostics<LossInputAnalyzer>(Code("""
                var p = new float[n * c];
                TensorPrimitives.Sigmoid(logits, p);
                var logp = new float[n * c];
                TensorPrimitives.Log(p, logp);
                return Bce.Forward({|LG0104:new ReadOnlyTensorSpan<float>(logp, [n, c], default)|}, y);
        """));

    // ---- Clean counterparts ------------------------------------------------------------------------------------

    [Theory]
    [InlineData("return CrossEntropy.Forward(new ReadOnlyTensorSpan<float>(logits, [n, c], default), t);")]
    [InlineData("var probs = new float[n * c]; TensorPrimitives.SoftMax(logits, probs); int best = TensorPrimitives.IndexOfMax(probs); return CrossEntropy.Forward(new ReadOnlyTensorSpan<float>(logits, [n, c], default), t) + best;")]
    [InlineData("var probs = new float[n * c]; TensorPrimitives.SoftMax(logits, probs); logits.CopyTo(probs, 0); return CrossEntropy.Forward(new ReadOnlyTensorSpan<float>(probs, [n, c], default), t);")]
    [InlineData("var probs = new float[n * c]; TensorPrimitives.SoftMax(logits, probs); logits.AsSpan().CopyTo(probs); return CrossEntropy.Forward(new ReadOnlyTensorSpan<float>(probs, [n, c], default), t);")]
    [InlineData("var probs = new float[n * c]; TensorPrimitives.SoftMax(logits, probs); probs = logits; return CrossEntropy.Forward(new ReadOnlyTensorSpan<float>(probs, [n, c], default), t);")]
    [InlineData("var probs = new float[n * c]; TensorPrimitives.SoftMax(logits, probs); Fill(probs); return CrossEntropy.Forward(new ReadOnlyTensorSpan<float>(probs, [n, c], default), t);")]
    [InlineData("var probs = new float[n * c]; TensorPrimitives.SoftMax(logits, probs); probs[0] = 1; return CrossEntropy.Forward(new ReadOnlyTensorSpan<float>(probs, [n, c], default), t);")]
    [InlineData("var probs = new float[n * c]; if (flag) TensorPrimitives.SoftMax(logits, probs); else logits.CopyTo(probs, 0); return CrossEntropy.Forward(new ReadOnlyTensorSpan<float>(probs, [n, c], default), t);")]
    [InlineData("var probs = new float[n * c]; TensorPrimitives.SoftMax(logits, probs); var s = probs.AsSpan(); TensorPrimitives.Exp(logits, s); return CrossEntropy.Forward(new ReadOnlyTensorSpan<float>(probs, [n, c], default), t);")]
    [InlineData("var probs = new float[n * c]; TensorPrimitives.SoftMax(logits, probs); return Bce.Forward(new ReadOnlyTensorSpan<float>(probs, [n, c], default), y);")]
    [InlineData("var probs = new float[n * c]; TensorPrimitives.SoftMax(logits, probs); return Mse.Forward(new ReadOnlyTensorSpan<float>(probs, [n, c], default), y);")]
    [InlineData("var probs = new float[n * c]; TensorPrimitives.SoftMax(logits, probs); var logp = new float[n * c]; TensorPrimitives.Log(probs, logp); return Nll.Forward(new ReadOnlyTensorSpan<float>(logp, [n, c], default), t) + CrossEntropy.Forward(new ReadOnlyTensorSpan<float>(logp, [n, c], default), t);")]
    [InlineData("var probs = new float[n * c]; TensorPrimitives.SoftMax(logits, probs); Action a = () => probs[0] = 2; a(); return CrossEntropy.Forward(new ReadOnlyTensorSpan<float>(probs, [n, c], default), t);")]
    [InlineData("var grad = new float[n * c]; TensorPrimitives.SoftMax(logits, grad); return CrossEntropy.ForwardBackward(new ReadOnlyTensorSpan<float>(logits, [n, c], default), t, new TensorSpan<float>(grad, [n, c], default));")]
    public Task Clean_code_is_not_flagged(string body) => Diagnostics<LossInputAnalyzer>(Code("        " + body));

    [Fact]
    public Task Parameter_buffer_of_unknown_content_is_not_flagged() => Diagnostics<LossInputAnalyzer>(Code("""
                return CrossEntropy.Forward(new ReadOnlyTensorSpan<float>(labels, [n, c], default), t);
        """));

    [Fact]
    public Task Message_names_the_loss_and_the_producer() => Diagnostics<LossInputAnalyzer>(
        Code("""
                var probs = new float[n * c];
                TensorPrimitives.SoftMax(logits, probs);
                return CrossEntropy.Forward(probs, targets, c);
        """),
        Diagnostic("LG0100").WithSpan(35, 37, 35, 42).WithMessage(
            "'CrossEntropy.Forward' expects logits, but its input 'probs' is the output of TensorPrimitives.SoftMax, which is already probabilities; pass the raw scores from before TensorPrimitives.SoftMax (the loss normalises them itself)"));
}
