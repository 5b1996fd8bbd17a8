using System.Linq;
using LossGen.Property.Tests.Harness;
using Xunit;

namespace LossGen.Property.Tests.Regressions;

/// <summary>
/// Shrunk failures of the property run in generator/Emit and generator/Planning, which this suite reports rather than
/// fixes.
/// </summary>
public class EmitRegressionTests
{
    /// <summary>
    /// docs/dsl.md: "White space (including line breaks in verbatim or raw strings) may appear between any two tokens."
    /// The expression is copied verbatim into the generated XML documentation (<c>/// Computes the loss: &lt;c&gt;x
    /// + 1&lt;/c&gt;</c>), so a line break ends the comment and the rest of the line becomes C#: CS1519 and friends.
    /// Shrunk from the property run: <c>[Loss("z0 =  x;  x\n + 1.0E+1", Reduction = Reduction.Sum)]</c>.
    /// </summary>
    [Fact]
    public void Line_breaks_in_the_expression_compile()
    {
        LossBinding regular = TestCompiler.Compile("[Loss(\"x\\n+ 1\", Reduction = Reduction.Sum)]\npublic static partial class L;");
        Assert.True(regular.Failure is null, TestCompiler.Describe(regular));

        LossBinding verbatim = TestCompiler.Compile("[Loss(@\"(x - y)^2\n  + 1\")]\npublic static partial class L;");
        Assert.True(verbatim.Failure is null, TestCompiler.Describe(verbatim));
        Assert.Empty(verbatim.Errors);

        // The lexer takes every Unicode white space, and C# ends a line at U+2028, U+2029 and U+0085 too.
        foreach (string separator in new[] { "\\u2028", "\\u2029", "\\u0085", "\\r" })
        {
            LossBinding other = TestCompiler.Compile($"[Loss(\"x{separator}+ 1\")]\npublic static partial class L;");
            Assert.True(other.Failure is null, separator + ": " + TestCompiler.Describe(other));
        }
    }
}
