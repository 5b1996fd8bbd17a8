using System;
using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using LossGen.CodeFixes;
using LossGen.Generator;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.Text;
using Xunit;

namespace LossGen.Analyzers.Tests;

/// <summary>
/// The code fixes of the expression-language warnings LG0010–LG0013, which the generator reports: the generator runs
/// over the source, each of its warnings is handed to the fix in a workspace, and the rewritten literal must compile
/// without the warning.
/// </summary>
public class DslCodeFixTests
{
    [Theory]
    [InlineData("\"-sum(y * log(softmax(x)))\"", "LG0010", "\"-sum(y * log_softmax(x))\"")]
    [InlineData("\"p = softmax(x); -sum(y * log(p))\"", "LG0010", "\"p = softmax(x); -sum(y * log_softmax(x))\"")]
    [InlineData("@\"-log(softmax(x))[t]\"", "LG0010", "@\"-log_softmax(x)[t]\"")]
    [InlineData("\"\"\"-log(softmax(x))[t]\"\"\"", "LG0010", "\"\"\"-log_softmax(x)[t]\"\"\"")]
    [InlineData("\"-(y * log(sigmoid(x)) + (1 - y) * log(1 - sigmoid(x)))\"", "LG0011", "\"-(y * log_sigmoid(x) + (1 - y) * log(1 - sigmoid(x)))\"")]
    [InlineData("\"log(1 + exp(x)) - x * y\"", "LG0012", "\"softplus(x) - x * y\"")]
    [InlineData("\"log(exp(x) + 1) - x * y\"", "LG0012", "\"softplus(x) - x * y\"")]
    [InlineData("\"-log_softmax(softmax(x))[t]\"", "LG0013", "\"-log_softmax(x)[t]\"")]
    [InlineData("\"-sum(y * log_softmax(softmax(x)))\"", "LG0013", "\"-sum(y * log_softmax(x))\"")]
    [InlineData("\"-sum(y * log(softmax(softmax(x))))\"", "LG0013", "\"-sum(y * log(softmax(x)))\"")]
    [InlineData("\"-\\u006cog(softmax(x))[t]\"", "LG0010", "\"-log_softmax(x)[t]\"")]
    public async Task Fix_rewrites_the_literal(string literal, string id, string fixedLiteral)
    {
        string source = Declare(literal);
        string result = await ApplyFix(source, id);
        Assert.Equal(Declare(fixedLiteral), result);
        ImmutableArray<Diagnostic> after = RunGenerator(result);
        Assert.DoesNotContain(after, d => d.Id == id);
        Assert.DoesNotContain(after, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void Warnings_keep_their_message_and_carry_the_replacement()
    {
        Diagnostic diagnostic = Assert.Single(RunGenerator(Declare("\"-log_softmax(softmax(x))[t]\"")));
        Assert.Equal("LG0013", diagnostic.Id);
        Assert.Equal("'log_softmax' is applied to the output of 'softmax', which is already normalised; use log_softmax(x) on the logits", diagnostic.GetMessage());
        Assert.Equal("log_softmax(x)", diagnostic.Properties["LossGen.Replacement"]);
    }

    [Fact]
    public async Task Multi_line_raw_strings_get_no_fix()
    {
        string source = Declare("\"\"\"\n    -log(softmax(x))[t]\n    \"\"\"");
        Diagnostic diagnostic = Assert.Single(RunGenerator(source), d => d.Id == "LG0010");
        Assert.Empty(await Fixes(CreateDocument(source), diagnostic));
    }

    private static string Declare(string literal) =>
        "using LossGen;\n\n[Loss(" + literal + ")]\npublic static partial class L;\n";

    private static ImmutableArray<Diagnostic> RunGenerator(string source)
    {
        var compilation = CSharpCompilation.Create(
            "Dsl",
            new[] { CSharpSyntaxTree.ParseText(source, new CSharpParseOptions(LanguageVersion.Preview), path: "L.cs") },
            Verify.References.Value,
            new CSharpCompilationOptions(OutputKind.DynamicallyLinkedLibrary, allowUnsafe: true));
        CSharpGeneratorDriver.Create(new[] { new LossGenerator().AsSourceGenerator() }, parseOptions: new CSharpParseOptions(LanguageVersion.Preview)).RunGeneratorsAndUpdateCompilation(compilation, out Compilation output, out ImmutableArray<Diagnostic> diagnostics);
        return diagnostics.AddRange(output.GetDiagnostics().Where(d => d.Severity == DiagnosticSeverity.Error));
    }

    private static async Task<string> ApplyFix(string source, string id)
    {
        Diagnostic diagnostic = Assert.Single(RunGenerator(source), d => d.Id == id);
        Document document = CreateDocument(source);
        List<CodeAction> actions = await Fixes(document, diagnostic);
        CodeAction action = Assert.Single(actions);
        ImmutableArray<CodeActionOperation> operations = await action.GetOperationsAsync(CancellationToken.None);
        Solution changed = operations.OfType<ApplyChangesOperation>().Single().ChangedSolution;
        SourceText text = await changed.GetDocument(document.Id)!.GetTextAsync();
        return text.ToString();
    }

    private static async Task<List<CodeAction>> Fixes(Document document, Diagnostic diagnostic)
    {
        SyntaxTree tree = (await document.GetSyntaxTreeAsync())!;
        Diagnostic located = Diagnostic.Create(diagnostic.Descriptor, Location.Create(tree, diagnostic.Location.SourceSpan), diagnostic.Properties);
        var actions = new List<CodeAction>();
        var context = new CodeFixContext(document, located, (action, _) => actions.Add(action), CancellationToken.None);
        await new DslCodeFixProvider().RegisterCodeFixesAsync(context);
        return actions;
    }

    private static Document CreateDocument(string source)
    {
        var workspace = new AdhocWorkspace();
        Project project = workspace.AddProject("Dsl", LanguageNames.CSharp)
            .WithParseOptions(new CSharpParseOptions(LanguageVersion.Preview))
            .AddMetadataReferences(Verify.References.Value);
        return project.AddDocument("L.cs", SourceText.From(source));
    }
}
