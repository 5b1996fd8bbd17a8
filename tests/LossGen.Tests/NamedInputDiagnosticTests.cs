using System.Linq;
using Microsoft.CodeAnalysis;
using Xunit;

namespace LossGen.Tests;

/// <summary>
/// Named inputs (docs/dsl.md, "Named inputs"): the generated signatures take the declared tensors in declaration order
/// under their names, and each mistake in a <c>[LossTensor]</c> declaration is a diagnostic at that declaration.
/// </summary>
public class NamedInputDiagnosticTests
{
    private static string Declare(string expression, params string[] tensors) =>
        "using LossGen;\n[Loss(\"" + expression + "\", ClassAxis = -1)]\n" + string.Concat(tensors.Select(t => t + "\n")) + "public static partial class L;\n";

    [Fact]
    public void Signatures_take_the_declared_tensors_in_order_and_a_gradient_per_prediction()
    {
        string source = Declare("relu(norm(b - a) - margin) * w[t] * label",
            "[LossTensor(\"b\")]", "[LossTensor(\"label\", TensorRole.Target, Shape = TensorShape.PerPosition)]", "[LossTensor(\"a\")]",
            "[LossTensor(\"t\", TensorRole.ClassIndices)]", "[LossTensor(\"w\", TensorRole.Weight, Shape = TensorShape.PerClass)]", "[LossParameter(\"margin\", 0.5)]");
        var result = GeneratorHarness.Run(source + "public static class Use { public static void Call(System.Numerics.Tensors.ReadOnlyTensorSpan<float> s, System.Numerics.Tensors.ReadOnlyTensorSpan<float> r, System.Numerics.Tensors.ReadOnlyTensorSpan<int> i, System.Numerics.Tensors.TensorSpan<float> g) { L.Backward(s, r, s, i, r, g, g, 2f, margin: 1f); L.Backward(b: s, label: r, a: s, t: i, w: r, db: g, dloss: 1f); } }\n");
        Assert.Empty(result.CompileErrors);
        string generated = result.Generated.Values.Single();
        Assert.Contains("Backward([global::LossGen.LossInput(global::LossGen.InputKind.Values)] ReadOnlyTensorSpan<float> b, ReadOnlyTensorSpan<float> label, ReadOnlyTensorSpan<float> a, ReadOnlyTensorSpan<int> t, ReadOnlyTensorSpan<float> w, TensorSpan<float> db, TensorSpan<float> da, float dloss = 1f, float margin = 0.5f)", generated);
        Assert.Contains("dL/da = ", generated);
    }

    [Theory]
    [InlineData("[LossTensor(\"a\", TensorRole.Target)]", "LG0015", "at least one TensorRole.Prediction")]
    [InlineData("[LossTensor(\"a\")][LossTensor(\"a\")]", "LG0018", "'a' cannot be defined here")]
    [InlineData("[LossTensor(\"a\")][LossTensor(\"b c\")]", "LG0018", "not an identifier")]
    [InlineData("[LossTensor(\"a\")][LossTensor(\"exp\")]", "LG0018", "'exp' cannot be defined here")]
    [InlineData("[LossTensor(\"a\")][LossTensor(\"loss\")]", "LG0018", "'loss' cannot be defined here")]
    [InlineData("[LossTensor(\"a\")][LossTensor(\"da\")]", "LG0018", "the gradient output of 'a'")]
    [InlineData("[LossTensor(\"a\", Shape = TensorShape.PerPosition)]", "LG0015", "first prediction 'a' sets the shape")]
    [InlineData("[LossTensor(\"a\")][LossTensor(\"b\", Shape = TensorShape.PerClass)]", "LG0015", "cannot be a prediction")]
    [InlineData("[LossTensor(\"a\")][LossTensor(\"t\", TensorRole.ClassIndices)][LossTensor(\"u\", TensorRole.ClassIndices)]", "LG0015", "at most one tensor of class indices")]
    [InlineData("[LossTensor(\"a\")][LossTensor(\"b\")][LossTensor(\"c\")][LossTensor(\"d\")][LossTensor(\"e\")]", "LG0015", "more than a kernel takes")]
    public void Declaration_mistakes_are_diagnostics_at_the_declaration(string tensors, string id, string message)
    {
        string source = "using LossGen;\n[Loss(\"sum(a)\")]\n" + tensors.Replace("][", "]\n[") + "\npublic static partial class L;\n";
        var result = GeneratorHarness.Run(source);
        Diagnostic? d = result.Diagnostics.FirstOrDefault(d => d.Id == id);
        Assert.True(d is not null, $"expected {id}, got:\n{result.Describe()}");
        Assert.Contains(message, d!.GetMessage(System.Globalization.CultureInfo.InvariantCulture));
        Assert.StartsWith("LossTensor", source.Substring(d.Location.SourceSpan.Start, d.Location.SourceSpan.Length));
        Assert.Empty(result.Generated);
    }

    [Fact]
    public void A_name_the_expression_does_not_declare_is_an_unknown_name_with_the_declared_ones_suggested()
    {
        var result = GeneratorHarness.Run(Declare("(pred - x)^2", "[LossTensor(\"pred\")]", "[LossTensor(\"truth\", TensorRole.Target)]"));
        Diagnostic d = Assert.Single(result.Diagnostics, d => d.Id == "LG0002");
        Assert.Contains("'x'", d.GetMessage());
    }

    [Fact]
    public void Class_indices_keep_their_name_in_picks_and_messages()
    {
        var result = GeneratorHarness.Run(Declare("logsumexp(z) - z * label", "[LossTensor(\"z\")]", "[LossTensor(\"label\", TensorRole.ClassIndices)]"));
        Diagnostic d = Assert.Single(result.Diagnostics, d => d.Id == "LG0007");
        Assert.Contains("'label' is not a value: use it as e[label] or one_hot(label)", d.GetMessage());
    }
}
