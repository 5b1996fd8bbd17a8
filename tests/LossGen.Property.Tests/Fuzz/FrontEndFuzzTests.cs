using System;
using System.Collections.Generic;
using System.Linq;
using System.Text;
using System.Threading;
using CsCheck;
using LossGen.Property.Tests.Expressions;
using LossGen.Property.Tests.Properties;
using Xunit;
using Xunit.Abstractions;

namespace LossGen.Property.Tests.Fuzz;

/// <summary>
/// Hostile input for the front end: random bytes, token soups, mutated programs, and large and deep inputs
/// (docs/testing.md). The compiler never throws, never overflows its stack (that would end this test process), never takes long,
/// and answers every input with an LG diagnostic or compiled source. <c>LOSSGEN_FUZZ_ITERATIONS</c> sets the volume.
/// </summary>
public class FrontEndFuzzTests(ITestOutputHelper output)
{
    private static int _tried;

    private static readonly string[] Names =
    {
        "x", "y", "t", "w", "alpha", "z0", "q", "X", "_", "posWeight", "dloss", "mean_by", "one_hot", "exp", "log", "log1p", "expm1", "sqrt", "abs",
        "square", "sigmoid", "log_sigmoid", "softplus", "relu", "tanh", "min", "max", "clamp", "xlogy", "bce", "stirling", "softmax", "log_softmax",
        "logsumexp", "sum", "mean", "sign", "step", "pow_grad", "finite_or_zero", "inf", "nan", "NaN", "e", "pi",
    };

    private static readonly string[] Numbers =
    {
        "0", "1", "2", "0.5", ".5", "1.", "1e3", "1E-3", "2.5e+3", "1e999", "1e-999", "1e308", "1.7976931348623157e308", "4.9e-324", "123456789012345678901234567890",
        "0000000001", "1e", "1e+", "1.2.3", "9e99999999999", "0.0000000000000000000000000001",
    };

    private static readonly string[] Symbols = { "+", "-", "*", "/", "^", "(", ")", "[", "]", ",", "=", ";", "[t]", " ", "  ", "\t", "--", "((", "))" };

    private static readonly string[] Oddities =
    {
        "\0", "\u0001", "\u007f", "\u00a0", "\u2028", "\u2029", "\u0085", "\r", "\n", "\ufeff", "\ud83d\ude00", "\ud800", "\udc00", "é", "ｘ", "\u0301", "\"", "\\", "'", "$", "{", "}",
        "#", "//", "/*", "*/", "<", ">", "&", "!", "?", ":", ".", "%", "|", "@", "`", "~",
    };

    /// <summary>Token soups: the language's own tokens in random order, with now and then something it does not have.</summary>
    public static readonly Gen<string> TokenSoup =
        Gen.Frequency(
                (6, (IGen<string>)Gen.OneOf(Names)),
                (3, Gen.OneOf(Numbers)),
                (6, Gen.OneOf(Symbols)),
                (1, Gen.OneOf(Oddities)))
            .Array[0, 40].Select(tokens => string.Join(string.Empty, tokens.Select((t, i) => i % 3 == 0 ? t + " " : t)));

    /// <summary>Random bytes read as text three ways.</summary>
    public static readonly Gen<string> RandomBytes =
        Gen.Select(Gen.Byte.Array[0, 120], Gen.Int[0, 2]).Select(p => p.Item2 switch
        {
            0 => Encoding.UTF8.GetString(p.Item1),
            1 => Encoding.Latin1.GetString(p.Item1),
            _ => new string(p.Item1.Select(b => (char)(b % 96 + 32)).ToArray()),
        });

    /// <summary>Valid programs with a few characters deleted, doubled or replaced.</summary>
    public static readonly Gen<string> Mutated =
        CaseGen.Case("F", 3).Select(Gen.Int[0, int.MaxValue], (c, seed) =>
        {
            var random = new Random(seed);
            var text = new StringBuilder(c.Expression);
            int edits = random.Next(0, 4);
            for (int i = 0; i < edits && text.Length > 0; i++)
            {
                int at = random.Next(text.Length);
                switch (random.Next(3))
                {
                    case 0: text.Remove(at, 1); break;
                    case 1: text.Insert(at, text[at]); break;
                    default: text[at] = "()[],;=+-*/^t.e0"[random.Next(16)]; break;
                }
            }

            return text.ToString();
        });

    private static readonly Gen<FuzzOptions> Options =
        Gen.Select(Gen.Int[0, 3], Gen.Int[0, 3], Gen.Int[-1, 2], Gen.Int[0, 3], Gen.Int[0, 4]).Select(o => new FuzzOptions(
            o.Item1,
            o.Item2 == 3 ? 7 : 0,
            o.Item3,
            o.Item4 switch { 0 => -100, 1 => 0, _ => null },
            o.Item5 switch
            {
                0 => new[] { ("alpha", 1.0) },
                1 => new[] { ("gamma", 2.0), ("x", 1.0) },
                2 => new[] { ("beta", double.NaN) },
                3 => new[] { ("1bad", 1.0), ("alpha", double.PositiveInfinity) },
                _ => null,
            }));

    /// <summary>Deterministic: the inputs come from one PCG stream; a failure names the seed of its input.</summary>
    private static void Run(Gen<string> gen, int iterations, uint stream)
    {
        var pcg = new PCG(stream, Settings.Seed);
        Gen<(string, FuzzOptions)> inputs = Gen.Select(gen, Options);
        for (int i = 0; i < iterations; i++)
        {
            string seed = pcg.ToString();
            (string expression, FuzzOptions options) = inputs.Generate(pcg, null!, out _);
            Interlocked.Increment(ref _tried);
            string? problem = FuzzTarget.CompilePure(expression, options);
            if (problem is not null)
            {
                throw new Xunit.Sdk.XunitException($"input {i} (CsCheck seed {seed}), options {options}: {problem}");
            }
        }
    }

    [Fact]
    public void Random_bytes_token_soups_and_mutated_programs_get_a_diagnostic_or_compile()
    {
        int before = _tried;
        int n = Settings.FuzzIterations;
        Run(RandomBytes, n / 4, 2);
        Run(TokenSoup, n / 2, 3);
        Run(Mutated, n / 4, 4);
        output.WriteLine($"{_tried - before} random inputs through LossCompiler.Compile (random bytes {n / 4}, token soups {n / 2}, mutated programs {n / 4}).");
    }

    [Fact]
    public void A_sample_through_the_generator_driver_never_throws()
    {
        var pcg = new PCG(3, 42);
        var inputs = new List<string>();
        for (int i = 0; i < 150; i++)
        {
            inputs.Add((i % 3) switch
            {
                0 => TokenSoup.Generate(pcg, null!, out _),
                1 => RandomBytes.Generate(pcg, null!, out _),
                _ => Mutated.Generate(pcg, null!, out _),
            });
        }

        inputs.AddRange(Hostile().Select(h => h.Expression).Where(e => e.Length < 300_000));
        int tried = 0;
        foreach (string style in new[] { "regular", "verbatim", "raw" })
        {
            for (int start = 0; start < inputs.Count; start += 50)
            {
                var chunk = inputs.Skip(start).Take(50).ToList();
                string? problem = FuzzTarget.CompileWithDriver(chunk, style, parseGenerated: true);
                Assert.True(problem is null, problem);
                tried += chunk.Count;
            }
        }

        Interlocked.Add(ref _tried, tried);
        output.WriteLine($"{tried} inputs through the generator driver ({inputs.Count} inputs × 3 literal forms).");
    }


    public sealed record HostileInput(string Name, string Expression, FuzzOptions? Options = null)
    {
        public override string ToString() => Name;
    }

    public static IEnumerable<HostileInput> Hostile()
    {
        string Repeat(string s, int n) => string.Concat(Enumerable.Repeat(s, n));
        const int Deep = 100_000;
        yield return new("100,000 nested parentheses", Repeat("(", Deep) + "x" + Repeat(")", Deep));
        yield return new("100,000 nested calls", Repeat("exp(", Deep) + "x" + Repeat(")", Deep));
        yield return new("100,000 nested softmax", Repeat("softmax(", Deep) + "x" + Repeat(")", Deep));
        yield return new("100,000 nested picks", Repeat("(", Deep) + "x" + Repeat(")[t]", Deep));
        yield return new("100,000 unclosed parentheses", Repeat("(", Deep) + "x");
        yield return new("100,000 unary minus", Repeat("-", Deep) + "x");
        yield return new("100,000 unary minus in parentheses", Repeat("-(", Deep) + "x" + Repeat(")", Deep));
        yield return new("100,000 powers", Repeat("x^", Deep) + "x");
        yield return new("100,000 powers of minus", Repeat("x^-", Deep) + "x");
        yield return new("100,000-term sum", "x" + Repeat(" + x", Deep));
        yield return new("100,000-term product", "x" + Repeat("*x", Deep));
        yield return new("100,000 arguments", "max(" + "x" + Repeat(", x", Deep) + ")");
        yield return new("1 MB sum", "x" + Repeat("+y", 512 * 1024));
        yield return new("1 MB identifier", Repeat("a", 1 << 20));
        yield return new("1 MB typo of x", "x + " + Repeat("x", 1 << 20));
        yield return new("1 MB number", Repeat("9", 1 << 20) + " * x");
        yield return new("1 MB fraction", "0." + Repeat("0", 1 << 20) + "1 * x");
        yield return new("1 MB of white space", Repeat(" \t", 1 << 19) + "x");
        yield return new("1 MB of bad characters", Repeat("é", 1 << 20));
        yield return new("1 MB of semicolons", Repeat(";", 1 << 20) + "x");
        yield return new("100,000 definitions in a chain", string.Concat(Enumerable.Range(0, Deep).Select(i => $"a{i + 1} = a{i} + x; ")).Replace("a0 + x", "x") + $"a{Deep}");
        yield return new("100,000 definitions, each using the previous twice", "a0 = x; " + string.Concat(Enumerable.Range(0, Deep).Select(i => $"a{i + 1} = a{i} * a{i}; ")) + $"a{Deep}");
        yield return new("1,000 definitions, each using the previous twice", "a0 = x; " + string.Concat(Enumerable.Range(0, 1000).Select(i => $"a{i + 1} = a{i} * a{i} + a{i}; ")) + "a1000");
        yield return new("300 definitions, each using the previous twice", "a0 = x; " + string.Concat(Enumerable.Range(0, 300).Select(i => $"a{i + 1} = tanh(a{i}) * a{i}; ")) + "a300");
        yield return new("50 nested softmax definitions", "a0 = x; " + string.Concat(Enumerable.Range(0, 50).Select(i => $"a{i + 1} = log_softmax(a{i} + a{i}); ")) + "-a50[t]");
        yield return new("199 nested calls (under the limit)", Repeat("tanh(", 199) + "x" + Repeat(")", 199));
        yield return new("100,000 definitions with an unknown name", string.Concat(Enumerable.Range(0, Deep).Select(i => $"a{i} = q; ")) + "x");
        yield return new("100,000 definitions with long names and an unknown name", string.Concat(Enumerable.Range(0, Deep).Select(i => $"a{i}_{Repeat("b", 50)} = x; ")) + "a1_" + Repeat("b", 49) + "c");
        yield return new("100,000 redefinitions", string.Concat(Enumerable.Range(0, Deep).Select(_ => "a = x; ")) + "a");
        yield return new("100,000 warnings", "a0 = x; " + string.Concat(Enumerable.Range(0, Deep).Select(i => $"a{i + 1} = log(softmax(a0)); ")) + "-a1[t]");
        yield return new("huge literal", "1e999 * x");
        yield return new("huge literal in a definition", "c = 1e400; x * c");
        yield return new("tiny literal", "1e-400 * x");
        yield return new("largest double", "1.7976931348623157e308 * x");
        yield return new("overflowing constant folding", "exp(1000) * x");
        yield return new("0/0 in constant folding", "0/0 * x + x");
        yield return new("NaN hyper-parameter default", "alpha * x", new FuzzOptions(Parameters: new[] { ("alpha", double.NaN) }));
        yield return new("infinite hyper-parameter default", "alpha * x", new FuzzOptions(Parameters: new[] { ("alpha", double.NegativeInfinity) }));
        yield return new("hyper-parameter beyond float", "alpha * x", new FuzzOptions(Parameters: new[] { ("alpha", 1e300) }));
        yield return new("NUL and control characters", "x\0 + \u0001y\u007f");
        yield return new("unicode look-alikes", "ｘ + у");
        yield return new("lone surrogates", "x + \ud800 + \udc00");
        yield return new("emoji", "x + \ud83d\ude00");
        yield return new("byte order mark", "\ufeffx");
        yield return new("line and paragraph separators", "x\u2028+\u2029y\u0085");
        yield return new("empty", string.Empty);
        yield return new("only white space", " \t\r\n ");
        yield return new("only a semicolon", ";");
        yield return new("definition without a loss", "a = x;");
        yield return new("mean_by nested", "mean_by(mean_by(x[t], w[t]), w[t])");
        yield return new("one_hot of x", "one_hot(x) * x");
        yield return new("t[t]", "t[t] + x");
        yield return new("pick of a pick", "x[t][t]");
    }

    public static TheoryData<HostileInput> HostileCases()
    {
        var data = new TheoryData<HostileInput>();
        foreach (HostileInput h in Hostile())
        {
            data.Add(h);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(HostileCases))]
    public void Hostile_input_gets_a_diagnostic_or_compiles_quickly(HostileInput input)
    {
        Interlocked.Increment(ref _tried);
        string? problem = FuzzTarget.CompilePure(input.Expression, input.Options);
        Assert.True(problem is null, input.Name + ": " + problem);
    }
}
