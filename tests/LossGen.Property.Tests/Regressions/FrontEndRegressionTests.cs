using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using LossGen.Generator;
using LossGen.Generator.Semantics;
using LossGen.Property.Tests.Fuzz;
using Xunit;

namespace LossGen.Property.Tests.Regressions;

/// <summary>Shrunk failures of the front-end fuzzing, fixed in generator/Semantics.</summary>
public class FrontEndRegressionTests
{
    /// <summary>
    /// Found by the hostile input "100,000 definitions with an unknown name": every unknown name computed a suggestion
    /// against every definition so far (quadratic: the generator did not finish in five minutes), and every one was
    /// reported. Now at most <see cref="Binder.MaxDiagnostics"/> errors are reported and binding stops there.
    /// </summary>
    [Fact]
    public void Many_unknown_names_are_reported_quickly_and_at_most_a_hundred_times()
    {
        string expression = string.Concat(Enumerable.Range(0, 100_000).Select(i => $"a{i} = q; ")) + "x";
        var watch = Stopwatch.StartNew();
        var result = LossCompiler.Compile(FuzzTarget.Spec(expression));
        watch.Stop();
        Assert.True(watch.Elapsed < FuzzTarget.BoundFor(expression), $"took {watch.Elapsed}");
        Assert.Equal(Binder.MaxDiagnostics, result.Diagnostics.Count(d => d.Id == "LG0002"));
        Assert.Empty(result.Source);
    }

    /// <summary>The same for warnings: 100,000 fragile definitions give 100 warnings, not 100,000.</summary>
    [Fact]
    public void Many_warnings_are_capped()
    {
        string expression = "a0 = x; " + string.Concat(Enumerable.Range(0, 1000).Select(i => $"a{i + 1} = log(softmax(a0)); ")) + "-a1[t]";
        var result = LossCompiler.Compile(FuzzTarget.Spec(expression));
        Assert.Equal(Binder.MaxDiagnostics, result.Diagnostics.Count(d => d.Id == "LG0010"));
        Assert.NotEmpty(result.Source);
    }

    /// <summary>A suggestion is still found among many definitions (the length filter must not lose it).</summary>
    [Fact]
    public void Suggestions_survive_the_length_filter()
    {
        var dsl = new List<DslDiagnostic>();
        var program = LossGen.Generator.Syntax.Parser.Parse("alpha_long = x; beta = x; alpha_lung + beta", dsl)!;
        Binder.Bind("alpha_long = x; beta = x; alpha_lung + beta", program, Binder.DslInputs, System.Array.Empty<string>(), dsl);
        Assert.Contains(dsl, d => d.Id == "LG0002" && d.Arguments.Any(a => a.Contains("alpha_long")));
    }
}
