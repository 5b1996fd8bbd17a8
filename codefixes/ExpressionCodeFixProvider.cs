using System.Collections.Immutable;
using System.Composition;
using System.Linq;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Formatting;
using LossGen.Generator;

namespace LossGen.CodeFixes;

/// <summary>
/// Fixes the TorchSharp misuses where the rewrite is unambiguous: LG0100 drops the softmax or sigmoid in front of a
/// loss that takes logits, LG0101 turns softmax into log_softmax in front of a loss that takes log-probabilities,
/// LG0102 and LG0103 turn <c>log(softmax(x, dim))</c> into <c>x.log_softmax(dim)</c> and <c>log(sigmoid(x))</c> into
/// <c>x.log_sigmoid()</c>. The analyzer offers a fix only where it proved it: it puts the replacement expression in
/// the diagnostic's properties and the expression to replace at its first additional location.
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(ExpressionCodeFixProvider)), Shared]
public sealed class ExpressionCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } = ImmutableArray.Create(
        DiagnosticIds.ProbabilitiesAsLogits, DiagnosticIds.ProbabilitiesAsLogProbabilities, DiagnosticIds.TorchLogOfSoftmax, DiagnosticIds.TorchLogOfSigmoid);

    /// <inheritdoc/>
    public override FixAllProvider GetFixAllProvider() => WellKnownFixAllProviders.BatchFixer;

    /// <inheritdoc/>
    public override async Task RegisterCodeFixesAsync(CodeFixContext context)
    {
        SyntaxNode? root = await context.Document.GetSyntaxRootAsync(context.CancellationToken).ConfigureAwait(false);
        if (root is null)
        {
            return;
        }

        foreach (Diagnostic diagnostic in context.Diagnostics)
        {
            if (!diagnostic.Properties.TryGetValue(DiagnosticIds.ReplacementProperty, out string? replacement) || replacement is null
                || diagnostic.AdditionalLocations.Count == 0)
            {
                continue;
            }

            string title = diagnostic.Properties.TryGetValue(DiagnosticIds.FixTitleProperty, out string? t) && t is not null ? t : "Rewrite as " + replacement;
            var span = diagnostic.AdditionalLocations[0].SourceSpan;
            if (root.FindNode(span, getInnermostNodeForTie: true) is not ExpressionSyntax target)
            {
                continue;
            }

            while (target.Parent is ExpressionSyntax parent && parent.Span == span)
            {
                target = parent;
            }

            ExpressionSyntax parsed = SyntaxFactory.ParseExpression(replacement);
            if (parsed.ContainsDiagnostics)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(title, cancellation => Replace(context.Document, target, parsed, cancellation), equivalenceKey: diagnostic.Id),
                diagnostic);
        }
    }

    private static async Task<Document> Replace(Document document, ExpressionSyntax target, ExpressionSyntax replacement, CancellationToken cancellation)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellation).ConfigureAwait(false);
        if (root is null)
        {
            return document;
        }

        ExpressionSyntax replaced = replacement.WithTriviaFrom(target).WithAdditionalAnnotations(Formatter.Annotation);
        return document.WithSyntaxRoot(root.ReplaceNode(target, replaced));
    }
}
