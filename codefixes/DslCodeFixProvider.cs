using System.Collections.Immutable;
using System.Composition;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CodeActions;
using Microsoft.CodeAnalysis.CodeFixes;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Text;
using LossGen.Generator;

namespace LossGen.CodeFixes;

/// <summary>
/// Fixes the numerically fragile forms of a loss expression by rewriting the string literal: LG0010
/// <c>log(softmax(e))</c> → <c>log_softmax(e)</c>, LG0011 <c>log(sigmoid(e))</c> → <c>log_sigmoid(e)</c>, LG0012
/// <c>log(1 + exp(e))</c> → <c>softplus(e)</c>, LG0013 softmax applied twice → normalised once. The generator puts the
/// replacement text in the diagnostic's properties; the fix escapes it for the kind of literal (regular, verbatim, raw).
/// </summary>
[ExportCodeFixProvider(LanguageNames.CSharp, Name = nameof(DslCodeFixProvider)), Shared]
public sealed class DslCodeFixProvider : CodeFixProvider
{
    /// <inheritdoc/>
    public override ImmutableArray<string> FixableDiagnosticIds { get; } =
        ImmutableArray.Create(DiagnosticIds.LogOfSoftmax, DiagnosticIds.LogOfSigmoid, DiagnosticIds.LogOnePlusExp, DiagnosticIds.SoftmaxTwice);

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
            if (!diagnostic.Properties.TryGetValue(DiagnosticIds.ReplacementProperty, out string? replacement) || replacement is null)
            {
                continue;
            }

            TextSpan span = diagnostic.Location.SourceSpan;
            SyntaxToken token = root.FindToken(span.Start);
            if (Rewrite(token, span, replacement) is not { } rewritten)
            {
                continue;
            }

            context.RegisterCodeFix(
                CodeAction.Create(
                    "Use " + replacement,
                    cancellation => Replace(context.Document, token, rewritten, cancellation),
                    equivalenceKey: diagnostic.Id),
                diagnostic);
        }
    }

    private static async Task<Document> Replace(Document document, SyntaxToken token, SyntaxToken rewritten, CancellationToken cancellation)
    {
        SyntaxNode? root = await document.GetSyntaxRootAsync(cancellation).ConfigureAwait(false);
        return root is null ? document : document.WithSyntaxRoot(root.ReplaceToken(token, rewritten));
    }

    /// <summary>The literal with the located characters replaced, or null when the location is not inside a string literal.</summary>
    internal static SyntaxToken? Rewrite(SyntaxToken token, TextSpan span, string replacement)
    {
        if (!token.IsKind(SyntaxKind.StringLiteralToken) && !token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken))
        {
            return null;
        }

        if (!token.Span.Contains(span) || span.IsEmpty)
        {
            return null;
        }

        string text = token.Text;
        string escaped;
        if (token.IsKind(SyntaxKind.SingleLineRawStringLiteralToken))
        {
            if (replacement.IndexOf('"') >= 0 || replacement.IndexOf('\n') >= 0)
            {
                return null;
            }

            escaped = replacement;
        }
        else if (text.StartsWith("@", System.StringComparison.Ordinal))
        {
            escaped = replacement.Replace("\"", "\"\"");
        }
        else
        {
            escaped = EscapeRegular(replacement);
        }

        int start = span.Start - token.SpanStart;
        string newText = text.Substring(0, start) + escaped + text.Substring(start + span.Length);
        SyntaxToken parsed = SyntaxFactory.ParseToken(newText);
        if (!parsed.IsKind(token.Kind()) || parsed.Span.Length != newText.Length || parsed.ContainsDiagnostics)
        {
            return null;
        }

        return parsed.WithLeadingTrivia(token.LeadingTrivia).WithTrailingTrivia(token.TrailingTrivia);
    }

    private static string EscapeRegular(string value)
    {
        var builder = new StringBuilder(value.Length);
        foreach (char c in value)
        {
            builder.Append(c switch
            {
                '\\' => "\\\\",
                '"' => "\\\"",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }
}
