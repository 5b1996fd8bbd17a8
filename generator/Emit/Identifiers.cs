using System.Text;
using Microsoft.CodeAnalysis.CSharp;

namespace LossGen.Generator.Emit;

internal static class Identifiers
{
    /// <summary>A C# identifier for a name of the language: keywords get an <c>@</c>.</summary>
    public static string Escape(string name) =>
        SyntaxFacts.GetKeywordKind(name) != SyntaxKind.None || SyntaxFacts.GetContextualKeywordKind(name) != SyntaxKind.None && name is "var" or "dynamic"
            ? "@" + name
            : name;

    /// <summary><c>log_softmax</c> becomes <c>logSoftmax</c>.</summary>
    public static string Camel(string name)
    {
        var builder = new StringBuilder();
        bool upper = false;
        foreach (char ch in name)
        {
            if (ch == '_')
            {
                upper = builder.Length > 0;
                continue;
            }

            builder.Append(upper ? char.ToUpperInvariant(ch) : ch);
            upper = false;
        }

        return builder.Length == 0 ? "v" : builder.ToString();
    }
}
