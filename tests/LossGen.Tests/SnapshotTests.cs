using System;
using System.IO;
using System.Linq;
using System.Text;
using DiffPlex.DiffBuilder;
using DiffPlex.DiffBuilder.Model;
using Xunit;

namespace LossGen.Tests;

/// <summary>
/// The generated code of a few losses, compared with committed baselines in Baselines/. On a mismatch the test shows a
/// line diff; set LOSSGEN_UPDATE_BASELINES=1 to rewrite the baselines after reviewing it.
/// </summary>
public class SnapshotTests
{
    public static TheoryData<string, string> Losses => new()
    {
        { "CrossEntropy", "[Loss(\"logsumexp(x) - x[t]\", IgnoreIndex = -100)]\npublic static partial class CrossEntropy;" },
        { "DenseCrossEntropy", "[Loss(\"-sum(y * log_softmax(x))\")]\npublic static partial class DenseCrossEntropy;" },
        { "Huber", "[Loss(\"0.5*min(abs(x - y), delta)^2 + delta*(abs(x - y) - min(abs(x - y), delta))\", Reduction = Reduction.Sum)]\n[LossParameter(\"delta\", 1.0)]\npublic static partial class Huber;" },
        { "Focal", "[Loss(\"ce = logsumexp(x) - x[t]; (1 - exp(-ce))^gamma * ce\", Reduction = Reduction.None)]\n[LossParameter(\"gamma\", 2.0)]\npublic static partial class Focal;" },
        { "CrossEntropy4", "[Loss(\"logsumexp(x) - x[t]\", Classes = 4)]\npublic static partial class CrossEntropy4;" },
        { "WeightedCrossEntropy", "[Loss(\"mean_by(w[t] * (logsumexp(x) - x[t]), w[t])\", IgnoreIndex = -100)]\npublic static partial class WeightedCrossEntropy;" },
    };

    [Theory]
    [MemberData(nameof(Losses))]
    public void Generated_code_matches_baseline(string name, string declaration)
    {
        var result = GeneratorHarness.Run("using LossGen;\nnamespace Samples;\n" + declaration + "\n");
        Assert.True(result.Diagnostics.IsEmpty && result.CompileErrors.Count == 0, result.Describe());
        string actual = result.Generated.Single().Value.Replace("\r\n", "\n");
        string path = Path.Combine(TestPaths.Root, "tests", "LossGen.Tests", "Baselines", name + ".g.cs.txt");
        if (Environment.GetEnvironmentVariable("LOSSGEN_UPDATE_BASELINES") == "1")
        {
            File.WriteAllText(path, actual);
            return;
        }

        Assert.True(File.Exists(path), $"No baseline {path}; run the tests with LOSSGEN_UPDATE_BASELINES=1 to create it.");
        string expected = File.ReadAllText(path).Replace("\r\n", "\n");
        if (expected != actual)
        {
            Assert.Fail($"Generated code for {name} differs from {path} (LOSSGEN_UPDATE_BASELINES=1 rewrites it):\n" + Diff(expected, actual));
        }
    }

    internal static string Diff(string expected, string actual)
    {
        DiffPaneModel diff = InlineDiffBuilder.Diff(expected, actual);
        var builder = new StringBuilder();
        int shown = 0;
        for (int i = 0; i < diff.Lines.Count && shown < 60; i++)
        {
            DiffPiece line = diff.Lines[i];
            if (line.Type == ChangeType.Unchanged)
            {
                continue;
            }

            builder.Append(line.Type == ChangeType.Inserted ? "+ " : "- ").Append(i + 1).Append(": ").AppendLine(line.Text);
            shown++;
        }

        return builder.ToString();
    }
}
