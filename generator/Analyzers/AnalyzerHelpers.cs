using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;

namespace LossGen.Generator.Analyzers;

/// <summary>What the analyzers and the code fixes share: property names, and the syntax checks behind a fix.</summary>
internal static class AnalyzerHelpers
{
    public static ImmutableDictionary<string, string?> FixProperties(string replacement, string title) =>
        ImmutableDictionary<string, string?>.Empty.Add(DiagnosticIds.ReplacementProperty, replacement).Add(DiagnosticIds.FixTitleProperty, title);

    /// <summary>The text of an expression, in parentheses unless it can take a member access as it is.</summary>
    public static string AsReceiver(SyntaxNode syntax)
    {
        string text = syntax.WithoutTrivia().ToString();
        return syntax is IdentifierNameSyntax or MemberAccessExpressionSyntax or InvocationExpressionSyntax or ElementAccessExpressionSyntax
            or ParenthesizedExpressionSyntax or ThisExpressionSyntax or GenericNameSyntax
            ? text
            : "(" + text + ")";
    }

    public static string Text(SyntaxNode syntax) => syntax.WithoutTrivia().ToString();

    /// <summary>The text of an argument for a message, shortened.</summary>
    public static string Short(SyntaxNode syntax)
    {
        string text = string.Join(" ", Text(syntax).Split(new[] { '\r', '\n', '\t', ' ' }, System.StringSplitOptions.RemoveEmptyEntries));
        return text.Length <= 48 ? text : text.Substring(0, 45) + "...";
    }

    /// <summary>
    /// Whether the variable that <paramref name="input"/> reads can be named at <paramref name="site"/>: a parameter of
    /// a method or lambda around the site, a local declared by a declaration statement earlier in a block around the
    /// site, or a foreach variable of a loop around it. Other declarations (patterns, out variables) get no fix.
    /// </summary>
    public static bool InScope(ISymbol symbol, SyntaxNode site)
    {
        SyntaxReference? reference = symbol.DeclaringSyntaxReferences.FirstOrDefault();
        if (reference is null || reference.SyntaxTree != site.SyntaxTree)
        {
            return false;
        }

        SyntaxNode declaration = reference.GetSyntax();
        switch (symbol)
        {
            case IParameterSymbol:
                SyntaxNode? owner = declaration.Parent is ParameterListSyntax or BracketedParameterListSyntax ? declaration.Parent.Parent : declaration.Parent;
                return owner is not null && site.AncestorsAndSelf().Contains(owner);
            case ILocalSymbol when declaration is VariableDeclaratorSyntax { Parent: VariableDeclarationSyntax { Parent: LocalDeclarationStatementSyntax statement } }:
                return statement.Parent is BlockSyntax or SwitchSectionSyntax
                    && site.AncestorsAndSelf().Contains(statement.Parent)
                    && statement.Span.End <= site.SpanStart;
            case ILocalSymbol when declaration is ForEachStatementSyntax loop:
                return loop.Statement.Span.Contains(site.Span);
            default:
                return false;
        }
    }

    public static bool IsType(ITypeSymbol? type, INamedTypeSymbol? expected)
    {
        for (ITypeSymbol? current = type; current is not null && expected is not null; current = current.BaseType)
        {
            if (SymbolEqualityComparer.Default.Equals(current.OriginalDefinition, expected))
            {
                return true;
            }
        }

        return false;
    }

    public static bool IsConstantFalse(IOperation? operation) =>
        operation is not null && operation.ConstantValue.HasValue && operation.ConstantValue.Value is false;
}
