using System.Collections.Generic;
using System.Collections.Immutable;
using System.Linq;
using System.Threading;
using LossGen.Generator.Model;
using LossGen.Generator.Semantics;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;
using Microsoft.CodeAnalysis.CSharp.Syntax;

namespace LossGen.Generator;

/// <summary>Reads a declaration into plain data (<see cref="LossSpec"/>): the only place that sees symbols and syntax.</summary>
internal static class Extraction
{
    public const string LossAttribute = "LossGen.LossAttribute";
    public const string ParameterAttribute = "LossGen.LossParameterAttribute";
    public const string TensorAttribute = "LossGen.LossTensorAttribute";

    /// <summary>The runtime's <c>LossAttribute.AllButBatch</c>: every axis after the first is the class axis.</summary>
    public const int AllButBatch = -2;

    public static bool IsClass(SyntaxNode node, CancellationToken _) => node is ClassDeclarationSyntax;

    public static LossDeclaration Dsl(GeneratorAttributeSyntaxContext context, CancellationToken cancellation)
    {
        var symbol = (INamedTypeSymbol)context.TargetSymbol;
        var declaration = (ClassDeclarationSyntax)context.TargetNode;
        AttributeData attribute = context.Attributes[0];
        var diagnostics = new List<DiagnosticInfo>();
        TypeSpec type = Type(symbol, declaration, diagnostics);
        CheckSingleLoss(symbol, diagnostics);

        string expression = attribute.ConstructorArguments.Length > 0 && attribute.ConstructorArguments[0].Value is string text ? text : string.Empty;
        var named = Named(attribute);
        var reduction = (Reduction)(named.TryGetValue("Reduction", out object? r) && r is int ri ? ri : 1);
        int classes = named.TryGetValue("Classes", out object? c) && c is int ci ? ci : 0;
        int classAxis = named.TryGetValue("ClassAxis", out object? a) && a is int ai ? ai : 1;
        bool hasIgnore = named.TryGetValue("IgnoreIndex", out object? ig) && ig is int;
        int ignore = hasIgnore ? (int)ig! : 0;
        CheckOptions(reduction, classes, classAxis, diagnostics);

        var parameters = new List<ParameterSpec>();
        var parameterPlaces = ImmutableArray.CreateBuilder<Location?>();
        var tensors = new List<TensorDeclaration>();
        var tensorPlaces = ImmutableArray.CreateBuilder<Location?>();
        foreach (AttributeData data in symbol.GetAttributes())
        {
            cancellation.ThrowIfCancellationRequested();
            if (data.AttributeClass?.ToDisplayString() == TensorAttribute && data.ConstructorArguments.Length == 2)
            {
                var options = Named(data);
                tensors.Add(new TensorDeclaration(
                    data.ConstructorArguments[0].Value as string ?? string.Empty,
                    data.ConstructorArguments[1].Value is int role ? role : 0,
                    options.TryGetValue("Shape", out object? shape) && shape is int s ? s : 0,
                    options.TryGetValue("Kind", out object? kind) && kind is int k ? k : -1));
                tensorPlaces.Add(data.ApplicationSyntaxReference?.GetSyntax(cancellation).GetLocation());
                continue;
            }

            if (data.AttributeClass?.ToDisplayString() != ParameterAttribute || data.ConstructorArguments.Length < 2)
            {
                continue;
            }

            string name = data.ConstructorArguments[0].Value as string ?? string.Empty;
            double value = data.ConstructorArguments[1].Value is double d ? d : 0;
            parameters.Add(new ParameterSpec(name, value));
            parameterPlaces.Add(data.ApplicationSyntaxReference?.GetSyntax(cancellation).GetLocation());
        }

        string? literal = null;
        Location? literalPlace = null;
        SyntaxNode? attributeSyntax = attribute.ApplicationSyntaxReference?.GetSyntax(cancellation);
        if (attributeSyntax is AttributeSyntax { ArgumentList.Arguments.Count: > 0 } syntax
            && syntax.ArgumentList.Arguments[0].Expression is LiteralExpressionSyntax literalSyntax
            && literalSyntax.IsKind(SyntaxKind.StringLiteralExpression))
        {
            literal = literalSyntax.Token.Text;
            literalPlace = literalSyntax.Token.GetLocation();
        }

        List<InputDecl> inputs = tensors.Count == 0 ? new List<InputDecl>() : NamedInputs.Resolve(tensors, parameters.Select(p => p.Name), diagnostics);
        var spec = new LossSpec(type, "Loss", expression, reduction, classes, classAxis, hasIgnore, ignore,
            parameters.ToEquatableArray(), inputs.ToEquatableArray(), literal, diagnostics.ToEquatableArray(), string.Empty);
        return new LossDeclaration(spec, Places(type, declaration, attributeSyntax, literalPlace, parameterPlaces.ToImmutable()) with { Tensors = tensorPlaces.ToImmutable() });
    }

    /// <summary>The locations the diagnostics of a declaration are reported at.</summary>
    public static LossPlaces Places(TypeSpec type, ClassDeclarationSyntax declaration, SyntaxNode? attribute, Location? literal, ImmutableArray<Location?> parameters) =>
        new(type.HintName, attribute?.GetLocation(), declaration.Identifier.GetLocation(), literal, parameters);

    /// <summary>
    /// A class receives one loss: with two loss attributes (<c>[Loss]</c> and a canned one, or two canned ones) each
    /// attribute gets LG0021 and none generates code, so no two outputs ever share a hint name.
    /// </summary>
    public static void CheckSingleLoss(INamedTypeSymbol symbol, List<DiagnosticInfo> diagnostics)
    {
        var names = new List<string>();
        foreach (AttributeData data in symbol.GetAttributes())
        {
            string? name = data.AttributeClass?.ToDisplayString();
            if (name is not null && (name == LossAttribute || Canned.CannedLosses.AttributeNames.Contains(name)))
            {
                names.Add("[" + data.AttributeClass!.Name.Substring(0, data.AttributeClass.Name.Length - "Attribute".Length) + "]");
            }
        }

        if (names.Count > 1)
        {
            diagnostics.Add(new DiagnosticInfo(DiagnosticIds.SeveralLosses, Anchor.Attribute, new[] { symbol.Name, string.Join(", ", names) }.ToEquatableArray()));
        }
    }

    public static Dictionary<string, object?> Named(AttributeData attribute)
    {
        var result = new Dictionary<string, object?>();
        foreach (KeyValuePair<string, TypedConstant> pair in attribute.NamedArguments)
        {
            result[pair.Key] = pair.Value.Value;
        }

        return result;
    }

    public static void CheckOptions(Reduction reduction, int classes, int classAxis, List<DiagnosticInfo> diagnostics)
    {
        if (reduction < Reduction.None || reduction > Reduction.BatchMean)
        {
            diagnostics.Add(Option($"Reduction = {(int)reduction} is not a Reduction value"));
        }

        if (classes < 0)
        {
            diagnostics.Add(Option($"Classes = {classes}: the class count is 0 (read at run time) or positive"));
        }

        if (classAxis < AllButBatch)
        {
            diagnostics.Add(Option($"ClassAxis = {classAxis}: the class axis is 0 or more, -1 for the last axis, or LossAttribute.AllButBatch (-2) for every axis after the first"));
        }
    }

    public static DiagnosticInfo Option(string message) =>
        new(DiagnosticIds.InvalidOption, Anchor.Attribute, new[] { message }.ToEquatableArray());

    public static TypeSpec Type(INamedTypeSymbol symbol, ClassDeclarationSyntax declaration, List<DiagnosticInfo> diagnostics)
    {
        bool isPartial = declaration.Modifiers.Any(m => m.IsKind(SyntaxKind.PartialKeyword));
        var containing = new List<string>();
        bool containersPartial = true;
        for (SyntaxNode? parent = declaration.Parent; parent is TypeDeclarationSyntax typeDeclaration; parent = parent.Parent)
        {
            containersPartial &= typeDeclaration.Modifiers.Any(m => m.IsKind(SyntaxKind.PartialKeyword));
            string keyword = typeDeclaration switch
            {
                RecordDeclarationSyntax record => record.ClassOrStructKeyword.IsKind(SyntaxKind.StructKeyword) ? "record struct" : "record",
                StructDeclarationSyntax => "struct",
                InterfaceDeclarationSyntax => "interface",
                _ => "class",
            };
            containing.Insert(0, $"partial {keyword} {typeDeclaration.Identifier.Text}{typeDeclaration.TypeParameterList}");
        }

        if (!symbol.IsStatic || !isPartial || !containersPartial)
        {
            diagnostics.Add(new DiagnosticInfo(DiagnosticIds.NotStaticPartial, Anchor.ClassName, new[] { symbol.Name }.ToEquatableArray()));
        }

        string ns = symbol.ContainingNamespace is { IsGlobalNamespace: false } n ? n.ToDisplayString() : string.Empty;
        return new TypeSpec(ns, containing.ToEquatableArray(), symbol.Name + declaration.TypeParameterList, string.Empty);
    }
}
