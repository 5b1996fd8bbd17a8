using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Diagnostics;
using System.Linq;
using LossGen.Generator;
using LossGen.Generator.Diagnostics;
using LossGen.Generator.Model;
using LossGen.Property.Tests.Harness;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LossGen.Property.Tests.Fuzz;

/// <summary>The options a fuzzed loss is declared with.</summary>
public sealed record FuzzOptions(int Reduction = 1, int Classes = 0, int ClassAxis = 1, int? IgnoreIndex = null, (string Name, double Default)[]? Parameters = null)
{
    public static readonly FuzzOptions Default = new();
}

/// <summary>
/// Runs hostile input through the compiler, the pure function <see cref="LossCompiler.Compile"/> for volume and the
/// whole generator driver for a sample, and checks what the front end promises (docs/testing.md): no exception (no LG9999, which is a caught one;
/// no generator exception, which is CS8785), a bounded time, and either an LG error or generated source.
/// </summary>
public static class FuzzTarget
{
    /// <summary>
    /// The most one input may take: 5 s, plus 3 s per MB of expression (lexing and parsing are linear; what this
    /// catches is quadratic or exponential work, which takes minutes). Generous: the machine is small and shared.
    /// </summary>
    public static TimeSpan BoundFor(string expression) => TimeSpan.FromSeconds(5 + 3.0 * expression.Length / (1 << 20));

    public static readonly TimeSpan Bound = TimeSpan.FromSeconds(5);

    internal static LossSpec Spec(string expression, FuzzOptions? options = null)
    {
        options ??= FuzzOptions.Default;
        var parameters = (options.Parameters ?? Array.Empty<(string, double)>()).Select(p => new ParameterSpec(p.Name, p.Default)).ToEquatableArray();
        return new LossSpec(new TypeSpec("P", EquatableArray<string>.Empty, "L", string.Empty), "Loss", expression, (LossGen.Generator.Model.Reduction)options.Reduction, options.Classes, options.ClassAxis,
            options.IgnoreIndex is not null, options.IgnoreIndex ?? 0, parameters, EquatableArray<InputDecl>.Empty, null, EquatableArray<DiagnosticInfo>.Empty, string.Empty);
    }

    /// <summary>
    /// The pure compiler on one input. Returns a description of what went wrong, or null. Options that are invalid
    /// (a negative Classes...) are reported by extraction, not here, so only valid options should be passed.
    /// </summary>
    public static string? CompilePure(string expression, FuzzOptions? options = null)
    {
        var watch = Stopwatch.StartNew();
        GeneratedLoss result;
        try
        {
            result = LossCompiler.Compile(Spec(expression, options));
        }
        catch (Exception e)
        {
            return "LossCompiler.Compile threw " + e;
        }

        watch.Stop();
        return Judge(expression, result.Source, result.Diagnostics.Select(d => d.Id).ToList(), string.Join("; ", result.Diagnostics.Select(d => d.Id + " " + string.Join(", ", d.Arguments))), watch.Elapsed);
    }

    private static string? Judge(string expression, string source, List<string> ids, string messages, TimeSpan elapsed)
    {
        string what = Show(expression);
        if (ids.Contains("LG9999"))
        {
            return $"internal error (a caught exception) on {what}: {messages}";
        }

        bool error = ids.Any(id => DiagnosticDescriptors.ById(id).DefaultSeverity == DiagnosticSeverity.Error);
        if (!error && source.Length == 0)
        {
            return $"neither an error nor generated source for {what}: {messages}";
        }

        if (error && source.Length > 0)
        {
            return $"an error and generated source at once for {what}: {messages}";
        }

        if (elapsed > BoundFor(expression))
        {
            return $"took {elapsed.TotalSeconds:F1} s (bound {BoundFor(expression).TotalSeconds:F1} s) on {what}";
        }

        return null;
    }

    /// <summary>
    /// The whole generator in a driver, as an IDE or the build runs it, on one declaration per expression (in the
    /// literal form given). Returns what went wrong, or null.
    /// </summary>
    public static string? CompileWithDriver(IReadOnlyList<string> expressions, string literalStyle = "regular", bool parseGenerated = true)
    {
        var trees = expressions.Select((e, i) => CSharpSyntaxTree.ParseText(
            $"using LossGen;\nnamespace P;\n[Loss({Literal(e, literalStyle)})]\npublic static partial class L{i};\n", InMemoryCompiler.ParseOptions, path: $"L{i}.cs")).ToList();
        var watch = Stopwatch.StartNew();
        (Compilation _, ImmutableArray<Diagnostic> diagnostics, GeneratorDriverRunResult run) = InMemoryCompiler.Generate(InMemoryCompiler.Compilation(trees, "Fuzz"));
        watch.Stop();
        foreach (GeneratorRunResult result in run.Results)
        {
            if (result.Exception is not null)
            {
                return "the generator threw (CS8785 for the user): " + result.Exception;
            }
        }

        if (watch.Elapsed > TimeSpan.FromSeconds(expressions.Sum(e => BoundFor(e).TotalSeconds) / 5 + 10))
        {
            return $"the driver took {watch.Elapsed.TotalSeconds:F1} s on {expressions.Count} inputs";
        }

        var generated = run.GeneratedTrees.ToDictionary(t => System.IO.Path.GetFileName(t.FilePath).Split('.')[1]);
        for (int i = 0; i < expressions.Count; i++)
        {
            string path = $"L{i}.cs";
            var own = diagnostics.Where(d => d.Location.SourceTree?.FilePath == path || d.Location.GetLineSpan().Path == path).ToList();
            var unplaced = diagnostics.Where(d => d.Location == Location.None).ToList();
            if (unplaced.Count > 0)
            {
                return "a diagnostic without a location: " + unplaced[0];
            }

            bool error = own.Any(d => d.Severity == DiagnosticSeverity.Error && d.Id.StartsWith("LG", StringComparison.Ordinal));
            bool hasSource = generated.TryGetValue("L" + i, out SyntaxTree? tree);
            if (own.Any(d => d.Id == "LG9999"))
            {
                return $"internal error on {Show(expressions[i])}: {own.First(d => d.Id == "LG9999")}";
            }

            if (error == hasSource)
            {
                return $"{(error ? "an error and generated source" : "neither an LG error nor generated source")} for {Show(expressions[i])}: {string.Join("; ", own)}";
            }

            if (hasSource && parseGenerated)
            {
                Diagnostic? syntax = tree!.GetDiagnostics().FirstOrDefault(d => d.Severity == DiagnosticSeverity.Error);
                if (syntax is not null)
                {
                    return $"the generated source does not parse for {Show(expressions[i])}: {syntax}";
                }
            }

            foreach (Diagnostic d in own.Where(d => d.Id.StartsWith("LG", StringComparison.Ordinal)))
            {
                // Locations must lie inside the file they name.
                if (d.Location.IsInSource && d.Location.SourceSpan.End > d.Location.SourceTree!.Length)
                {
                    return $"{d.Id} points past the end of its file for {Show(expressions[i])}";
                }
            }
        }

        return null;
    }

    public static string Literal(string text, string style) => style switch
    {
        "verbatim" => "@\"" + text.Replace("\"", "\"\"") + "\"",
        // A single-line raw literal cannot hold any of C#'s line breaks (\u0085, \u2028 and \u2029 too).
        "raw" when text.IndexOfAny(new[] { '\n', '\r', '\u0085', '\u2028', '\u2029' }) < 0 && !text.Contains("\"\"\"") && !text.EndsWith('"') && !text.StartsWith('"') => "\"\"\"" + text + "\"\"\"",
        _ => SymbolDisplay.FormatLiteral(text, quote: true),
    };

    public static string Show(string expression)
    {
        string shown = expression.Length > 120 ? expression.Substring(0, 80) + $"… ({expression.Length} characters) …" + expression.Substring(expression.Length - 30) : expression;
        return SymbolDisplay.FormatLiteral(shown, quote: true);
    }
}
