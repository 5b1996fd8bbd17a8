using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Globalization;
using System.Linq;
using System.Reflection;
using System.Text.RegularExpressions;
using LossGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Diagnostics;
using Xunit;
using Xunit.Abstractions;

namespace LossGen.Package.Tests;

/// <summary>
/// Every C# block of README.md, runtime/README.md, docs/ and samples/ compiles with the LossGen generator and analyzers,
/// against the .NET 10 reference assemblies.
/// <list type="bullet">
/// <item>A block without diagnostics annotations must compile with no error and no LossGen warning.</item>
/// <item>A block that shows a diagnostic marks it with a comment under the offending code,
/// <c>//     ^^^^ LG0010: message</c> (the carets under the reported characters of the line above) or
/// <c>// ↑ LG0015 (on this attribute): message</c> (reported on the line above): the block must produce exactly that
/// diagnostic there, with that message (<c>...</c> in the message stands for any text); other diagnostics with the same
/// ids may appear, no other LossGen diagnostic or compiler error may.</item>
/// <item>A block preceded by <c>&lt;!-- docs-test: skip REASON --&gt;</c> is not compiled; <c>&lt;!-- docs-test: with-previous --&gt;</c>
/// compiles a block together with the page's previous C# block.</item>
/// </list>
/// A block with no <c>using</c> directive is a fragment and gets <c>using System; using System.Numerics.Tensors; using LossGen;</c>;
/// a block with usings must be complete. Top-level statements compile as a console program.
/// </summary>
public sealed class DocsCompileTests
{
    private static readonly Lazy<IReadOnlyList<CodeBlock>> AllBlocks = new(() => MarkdownBlocks.All(Repository.Root));

    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(LossAttribute).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location))
            .ToImmutableArray());

    private static readonly Lazy<ImmutableArray<DiagnosticAnalyzer>> Analyzers = new(LoadAnalyzers);

    private static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    private static readonly Regex CaretAnnotation = new(@"^(?<lead>\s*//\s*)(?<carets>\^+)\s+(?<id>LG\d{4}):\s*(?<message>.*?)\s*$", RegexOptions.Compiled);
    private static readonly Regex LineAnnotation = new(@"^\s*//\s*↑\s*(?<id>LG\d{4})(\s*\([^)]*\))?:\s*(?<message>.*?)\s*$", RegexOptions.Compiled);

    private readonly ITestOutputHelper log;

    public DocsCompileTests(ITestOutputHelper log) => this.log = log;

    public static TheoryData<string> Blocks()
    {
        var data = new TheoryData<string>();
        foreach (CodeBlock block in AllBlocks.Value.Where(b => !b.IsSkipped))
        {
            data.Add(block.Id);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public void Block_compiles_or_shows_its_documented_diagnostics(string id)
    {
        CodeBlock block = AllBlocks.Value.Single(b => b.Id == id);
        string? failure = Check(block);
        Assert.True(failure is null, failure);
    }

    [Fact]
    public void The_check_catches_broken_blocks()
    {
        const string page = """
            ```csharp
            [Loss("(x - y)^2")]
            public static partial class Fine;
            ```

            ```csharp
            [Loss("(x - y)^2")]
            public static partial class Broken
            ```

            ```csharp
            [Loss("-log(softmax(x))[t]")]
            public static partial class Unannotated;
            ```

            ```csharp
            [Loss("-log(softmax(x))[t]")]
            //       ^^^^^^^^^^^^^^^ LG0010: log(softmax(...)) underflows to -inf for confident predictions and its gradient becomes NaN; use log_softmax(x)
            public static partial class OneColumnOff;
            ```

            ```csharp
            [Loss("-log(softmax(x))[t]")]
            //      ^^^^^^^^^^^^^^^ LG0010: log(softmax(...)) underflows ...; use log_softmax(x)
            public static partial class Annotated;
            ```

            ```csharp
            [Loss("(x - yy)^2")]
            //          ^^ LG0002: Unknown name 'yy'
            public static partial class WrongMessage;
            ```

            ```csharp
            using LossGen;

            [Loss("logsumexp(x) - x[t]")]
            static partial class Ce;
            ```

            <!-- docs-test: with-previous -->
            ```csharp
            using System;
            using System.Numerics.Tensors;

            Console.WriteLine(Ce.Forward(new ReadOnlyTensorSpan<float>(new float[3], [1, 3]), new ReadOnlyTensorSpan<int>(new int[1], [1])));
            ```

            ```csharp
            using System;
            using System.Numerics.Tensors;

            Console.WriteLine(Ce.Forward(new ReadOnlyTensorSpan<float>(new float[3], [1, 3]), new ReadOnlyTensorSpan<int>(new int[1], [1])));
            ```
            """;
        List<CodeBlock> blocks = MarkdownBlocks.Parse("test.md", page).ToList();
        Assert.Equal(9, blocks.Count);
        string?[] failures = blocks.Select(Check).ToArray();
        Assert.Null(failures[0]);
        Assert.NotNull(failures[1]); // CS1514/CS1513: no body
        Assert.NotNull(failures[2]); // a LossGen warning that the page does not annotate
        Assert.NotNull(failures[3]); // the carets one column to the right
        Assert.Null(failures[4]);    // "..." in a documented message stands for any text
        Assert.NotNull(failures[5]); // the message differs ("did you mean 'y'?" is missing)
        Assert.Null(failures[6]);    // a complete declaration
        Assert.Null(failures[7]);    // a call of it, compiled together with it (with-previous)
        Assert.NotNull(failures[8]); // the same call alone: CS0103, 'Ce' does not exist
    }

    /// <summary>Null when the block compiles as its page says; otherwise why not.</summary>
    private static string? Check(CodeBlock block)
    {
        List<Expected> expected = Annotations(block).ToList();
        (List<Diagnostic> lossGen, List<Diagnostic> errors) = Compile(block);

        string Describe() =>
            $"{block.Id}:\n{block.Code}\n\nproduced:\n" + string.Join("\n", lossGen.Concat(errors).Select(Format));

        if (expected.Count == 0)
        {
            return errors.Count == 0 && lossGen.Count == 0
                ? null
                : "This documentation block must compile cleanly (or annotate the diagnostic it shows, or carry <!-- docs-test: skip REASON -->). " + Describe();
        }

        var expectedIds = expected.Select(e => e.Id).ToHashSet();
        if (!errors.All(d => expectedIds.Contains(d.Id)))
        {
            return "Unexpected compiler errors. " + Describe();
        }

        if (!lossGen.All(d => expectedIds.Contains(d.Id)))
        {
            return "Unexpected LossGen diagnostics. " + Describe();
        }

        foreach (Expected e in expected)
        {
            if (!lossGen.Any(d => e.Matches(d, block.Id)))
            {
                return $"Expected {e.Id} at line {e.Line + 1}" + (e.Column is int c ? $", column {c + 1}, {e.Width} character(s)" : string.Empty)
                    + $" with the message \"{e.Message}\". " + Describe();
            }
        }

        return null;
    }

    [Fact]
    public void Docs_have_csharp_blocks_and_every_skip_says_why()
    {
        IReadOnlyList<CodeBlock> blocks = AllBlocks.Value;
        List<CodeBlock> skipped = blocks.Where(b => b.IsSkipped).ToList();
        log.WriteLine($"{blocks.Count} C# blocks in {blocks.Select(b => b.File).Distinct().Count()} pages; {blocks.Count(b => Annotations(b).Any())} show diagnostics; {skipped.Count} skipped:");
        foreach (CodeBlock block in skipped)
        {
            log.WriteLine($"  {block.Id}: {block.Marker}");
        }

        Assert.True(blocks.Count >= 40, $"only {blocks.Count} C# blocks found under {Repository.Root}");
        Assert.Contains(blocks, b => b.File == "docs/getting-started.md");
        Assert.All(skipped, b => Assert.True(b.Marker!.Length > "skip".Length + 3, $"{b.Id}: 'docs-test: skip' needs a reason"));
        Assert.All(blocks.Where(b => b.Marker is not null), b =>
            Assert.True(b.IsSkipped || b.Marker == "with-previous", $"{b.Id}: unknown directive 'docs-test: {b.Marker}'"));
    }

    private static (List<Diagnostic> LossGen, List<Diagnostic> Errors) Compile(CodeBlock block)
    {
        var trees = block.Previous.Append(block)
            .Select(b => CSharpSyntaxTree.ParseText(b.Code, ParseOptions, path: b.Id))
            .ToList();
        bool fragment = trees.All(t => !t.GetCompilationUnitRoot().Usings.Any());
        if (fragment)
        {
            trees.Add(CSharpSyntaxTree.ParseText(
                "global using System;\nglobal using System.Numerics.Tensors;\nglobal using LossGen;\n", ParseOptions, path: "DocsGlobalUsings.cs"));
        }

        bool program = trees.Any(t => t.GetCompilationUnitRoot().Members.OfType<GlobalStatementSyntax>().Any());
        CSharpCompilation compilation = CSharpCompilation.Create(
            "Docs" + Guid.NewGuid().ToString("N"),
            trees,
            References.Value,
            new CSharpCompilationOptions(program ? OutputKind.ConsoleApplication : OutputKind.DynamicallyLinkedLibrary,
                allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

        GeneratorDriver driver = CSharpGeneratorDriver.Create(new[] { new LossGenerator().AsSourceGenerator() }, parseOptions: ParseOptions);
        driver.RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult run = driver.GetRunResult();
        Exception? thrown = run.Results.Select(r => r.Exception).FirstOrDefault(e => e is not null);
        if (thrown is not null)
        {
            throw new InvalidOperationException($"{block.Id}: the generator threw", thrown);
        }

        IEnumerable<Diagnostic> analyzerDiagnostics = Analyzers.Value.IsEmpty
            ? []
            : output.WithAnalyzers(Analyzers.Value).GetAnalyzerDiagnosticsAsync().GetAwaiter().GetResult();

        List<Diagnostic> compilerDiagnostics = output.GetDiagnostics().ToList();
        var lossGen = generatorDiagnostics.Concat(analyzerDiagnostics).Concat(compilerDiagnostics)
            .Where(d => d.Id.StartsWith("LG", StringComparison.Ordinal) && d.Severity >= DiagnosticSeverity.Warning)
            .Distinct()
            .ToList();
        var errors = compilerDiagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && !d.Id.StartsWith("LG", StringComparison.Ordinal)).ToList();
        return (lossGen, errors);
    }

    /// <summary>The analyzers shipped in the generator assembly (the package's analyzers/dotnet/cs), if any.</summary>
    private static ImmutableArray<DiagnosticAnalyzer> LoadAnalyzers()
    {
        Type[] types;
        try
        {
            types = typeof(LossGenerator).Assembly.GetTypes();
        }
        catch (ReflectionTypeLoadException e)
        {
            types = e.Types.Where(t => t is not null).ToArray()!;
        }

        return types
            .Where(t => !t.IsAbstract && typeof(DiagnosticAnalyzer).IsAssignableFrom(t)
                && t.GetCustomAttributes<DiagnosticAnalyzerAttribute>().Any(a => a.Languages.Contains(LanguageNames.CSharp)))
            .Select(t => (DiagnosticAnalyzer)Activator.CreateInstance(t)!)
            .ToImmutableArray();
    }

    private static IEnumerable<Expected> Annotations(CodeBlock block)
    {
        string[] lines = block.Code.Split('\n');
        for (int i = 0; i < lines.Length; i++)
        {
            Match caret = CaretAnnotation.Match(lines[i]);
            Match arrow = LineAnnotation.Match(lines[i]);
            if (!caret.Success && !arrow.Success)
            {
                continue;
            }

            int target = i - 1;
            while (target >= 0 && (CaretAnnotation.IsMatch(lines[target]) || LineAnnotation.IsMatch(lines[target])))
            {
                target--;
            }

            if (target < 0)
            {
                throw new InvalidOperationException($"{block.Id}: the annotation on line {i + 1} has no code line above it");
            }

            yield return caret.Success
                ? new Expected(caret.Groups["id"].Value, caret.Groups["message"].Value, target, caret.Groups["lead"].Length, caret.Groups["carets"].Length)
                : new Expected(arrow.Groups["id"].Value, arrow.Groups["message"].Value, target, null, 0);
        }
    }

    private static string Format(Diagnostic d)
    {
        FileLinePositionSpan span = d.Location.GetLineSpan();
        return $"  {d.Id} ({d.Severity}) at {span.Path}({span.StartLinePosition.Line + 1},{span.StartLinePosition.Character + 1})-({span.EndLinePosition.Line + 1},{span.EndLinePosition.Character + 1}): {d.GetMessage(CultureInfo.InvariantCulture)}";
    }

    /// <summary>A documented diagnostic: its id, message, 0-based line, and for caret annotations the column and width.</summary>
    private sealed record Expected(string Id, string Message, int Line, int? Column, int Width)
    {
        public bool Matches(Diagnostic d, string path)
        {
            if (d.Id != Id || !d.Location.IsInSource)
            {
                return false;
            }

            FileLinePositionSpan span = d.Location.GetLineSpan();
            if (span.Path != path || span.StartLinePosition.Line != Line)
            {
                return false;
            }

            if (Column is int column)
            {
                int width = span.EndLinePosition.Line == span.StartLinePosition.Line
                    ? span.EndLinePosition.Character - span.StartLinePosition.Character
                    : -1;
                if (span.StartLinePosition.Character != column || !(width == Width || (width == 0 && Width == 1)))
                {
                    return false;
                }
            }

            string actual = d.GetMessage(CultureInfo.InvariantCulture);
            return actual == Message
                || (Message.Contains("...", StringComparison.Ordinal)
                    && Regex.IsMatch(actual, "^" + Regex.Escape(Message).Replace(@"\.\.\.", ".*") + "$", RegexOptions.Singleline));
        }
    }
}
