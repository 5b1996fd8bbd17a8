using System.Linq;
using LossGen.Property.Tests.Harness;
using Microsoft.CodeAnalysis;

namespace LossGen.Property.Tests.Regressions;

/// <summary>Compiles one declaration through the generator and Roslyn, for regression tests.</summary>
internal static class TestCompiler
{
    /// <summary>The loss <c>P.L</c>, compiled from <paramref name="declaration"/> (attributes then the class).</summary>
    public static LossBinding Compile(string declaration, params string[] hyperNames)
    {
        CompiledBatch batch = InMemoryCompiler.Compile(new[] { ("L", declaration, hyperNames) });
        return batch.Losses["L"];
    }

    public static string Describe(LossBinding loss) =>
        loss.Failure ?? string.Join("\n", loss.Diagnostics.Select(d => d.ToString()));
}
