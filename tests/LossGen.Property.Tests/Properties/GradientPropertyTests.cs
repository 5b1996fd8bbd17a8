using System;
using System.Linq;
using LossGen.Generator.Ir;
using LossGen.Property.Tests.Expressions;
using Xunit;
using Xunit.Abstractions;

namespace LossGen.Property.Tests.Properties;

/// <summary>
/// Random well-typed losses over the whole function table, compiled through the generator and Roslyn and run: loss and
/// gradients agree with the tests' own interpreter (<see cref="Oracle.Evaluator"/>) and with central finite differences
/// of the generated forward pass. Fixed seed; <c>LOSSGEN_PROPERTY_ITERATIONS</c> and <c>LOSSGEN_PROPERTY_SEED</c> for
/// longer or other runs.
/// </summary>
public class GradientPropertyTests(ITestOutputHelper output)
{
    [Fact]
    public void The_generator_covers_the_whole_function_table()
    {
        var table = Functions.All.Where(f => f.UserVisible)
            .Select(f => f.Kind == FunctionKind.Operator ? f.Name : f.Name + "/" + f.Arity)
            .ToHashSet();
        var covered = ExprGen.Productions.Keys.Concat(ExprGen.Special).ToHashSet();
        covered.Remove("pick");
        Assert.Empty(table.Except(covered));
        Assert.Empty(covered.Except(table));
    }

    [Fact]
    public void Random_losses_agree_with_the_oracle_and_with_finite_differences()
    {
        var stats = new Stats();
        var cases = PropertyRun.Draw(Settings.Iterations, Settings.Seed, stats, Settings.Depth);
        var failures = PropertyRun.CheckAll(cases, stats, output.WriteLine);
        output.WriteLine($"Seed {Settings.Seed}, depth {Settings.Depth}: {stats}");
        output.WriteLine("Functions used: " + string.Join(" ", stats.FunctionsSeen.OrderBy(f => f)));
        if (failures.Count > 0)
        {
            var shown = failures.GroupBy(f => f.Case.Name).Select(g => g.First()).Take(3)
                .Select(f => PropertyRun.Shrink(f, new Stats(), TimeSpan.FromSeconds(60)))
                .Select(f => "Shrunk: " + f);
            Assert.Fail($"{failures.Count} failures in {failures.Select(f => f.Case.Name).Distinct().Count()} of {cases.Count} random losses (seed {Settings.Seed}).\n"
                + string.Join("\n\n", shown) + "\n\nFirst, unshrunk:\n" + failures[0]);
        }
    }
}
