using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using LossGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace LossGen.Tests;

/// <summary>Runs the generator in-process over a piece of C#, against .NET 10 reference assemblies and the LossGen runtime.</summary>
internal static class GeneratorHarness
{
    private static readonly Lazy<ImmutableArray<MetadataReference>> References = new(() =>
        Basic.Reference.Assemblies.Net100.References.All.Cast<MetadataReference>()
            .Append(MetadataReference.CreateFromFile(typeof(LossAttribute).Assembly.Location))
            .Append(MetadataReference.CreateFromFile(typeof(System.Numerics.Tensors.TensorPrimitives).Assembly.Location))
            .ToImmutableArray());

    public static readonly CSharpParseOptions ParseOptions = new(LanguageVersion.Preview);

    public static CSharpCompilation Compilation(params string[] sources) =>
        CSharpCompilation.Create(
            "Test" + Guid.NewGuid().ToString("N"),
            sources.Select((s, i) => CSharpSyntaxTree.ParseText(s, ParseOptions, path: $"Source{i}.cs")),
            References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true, nullableContextOptions: NullableContextOptions.Enable));

    public static GeneratorDriver Driver() =>
        CSharpGeneratorDriver.Create(
            new[] { new LossGenerator().AsSourceGenerator() },
            parseOptions: ParseOptions,
            driverOptions: new GeneratorDriverOptions(IncrementalGeneratorOutputKind.None, trackIncrementalGeneratorSteps: true));

    /// <summary>The generator's diagnostics, the generated sources, and the compiler's errors over the whole result.</summary>
    public static Result Run(params string[] sources)
    {
        CSharpCompilation compilation = Compilation(sources);
        GeneratorDriver driver = Driver().RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> generatorDiagnostics);
        GeneratorDriverRunResult run = driver.GetRunResult();
        if (run.Results.Any(r => r.Exception is not null))
        {
            throw new InvalidOperationException("The generator threw: " + run.Results.First(r => r.Exception is not null).Exception);
        }

        var generated = run.GeneratedTrees.ToDictionary(t => System.IO.Path.GetFileName(t.FilePath), t => t.ToString());
        var compileErrors = output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        return new Result(generatorDiagnostics, generated, compileErrors, output);
    }

    public sealed record Result(ImmutableArray<Diagnostic> Diagnostics, Dictionary<string, string> Generated, List<Diagnostic> CompileErrors, Compilation Output)
    {
        public string Describe() => string.Join("\n", Diagnostics.Concat(CompileErrors).Select(d => d.ToString()));
    }

    /// <summary>A declaration of one loss in a file of its own.</summary>
    public static string Declare(string expression, string options = "", string extra = "", string name = "L") =>
        "using LossGen;\n" + extra + $"[Loss({Quote(expression)}{(options.Length > 0 ? ", " + options : string.Empty)})]\npublic static partial class {name};\n";

    public static string Quote(string text) => SymbolDisplay.FormatLiteral(text, quote: true);
}
