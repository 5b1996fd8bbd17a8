using System.Collections.Generic;
using LossGen.Generator.Model;
using LossGen.Generator.Syntax;

namespace LossGen.Generator.Semantics;

/// <summary>
/// Maps a span of the expression's value to the characters of the string literal that spelled it, through escape
/// sequences (<c>\n</c>, <c>\u0041</c>, <c>""</c> in verbatim strings) and raw-string delimiters.
/// </summary>
internal static class LiteralMap
{
    /// <summary>
    /// The characters of <paramref name="token"/> (the literal's text) that spell <paramref name="span"/> of its value;
    /// the whole attribute when the expression is not a literal or its spelling cannot be mapped.
    /// </summary>
    public static Anchor Locate(string? token, Span span)
    {
        List<int>? map = token is null ? null : CachedMap(token);
        if (map is null)
        {
            return Anchor.Attribute;
        }

        int start = map[System.Math.Min(span.Start, map.Count - 1)];
        int end = span.Length == 0 ? start : map[System.Math.Min(span.End, map.Count - 1)];
        if (span.Length > 0 && span.End < map.Count && end <= start)
        {
            end = start + 1;
        }

        return Anchor.InLiteral(start, end - start);
    }

    // The diagnostics of one expression are located one after the other against the same token: map it once.
    [System.ThreadStatic]
    private static string? _cachedToken;

    [System.ThreadStatic]
    private static List<int>? _cachedMap;

    private static List<int>? CachedMap(string token)
    {
        if (!ReferenceEquals(token, _cachedToken))
        {
            _cachedMap = Map(token);
            _cachedToken = token;
        }

        return _cachedMap;
    }

    /// <summary>For each character of the value (and one past the end), its offset in the token text; null if unknown.</summary>
    private static List<int>? Map(string token)
    {
        var map = new List<int>();
        if (token.StartsWith("\"\"\"", System.StringComparison.Ordinal))
        {
            int quotes = 0;
            while (quotes < token.Length && token[quotes] == '"')
            {
                quotes++;
            }

            // Single-line raw string: the content sits between the delimiters.
            if (token.IndexOf('\n') >= 0)
            {
                return null;
            }

            for (int i = quotes; i < token.Length - quotes; i++)
            {
                map.Add(i);
            }

            map.Add(token.Length - quotes);
            return map;
        }

        if (token.StartsWith("@\"", System.StringComparison.Ordinal))
        {
            for (int i = 2; i < token.Length - 1; i++)
            {
                map.Add(i);
                if (token[i] == '"')
                {
                    i++;
                }
            }

            map.Add(token.Length - 1);
            return map;
        }

        if (!token.StartsWith("\"", System.StringComparison.Ordinal))
        {
            return null;
        }

        for (int i = 1; i < token.Length - 1; i++)
        {
            map.Add(i);
            if (token[i] != '\\' || i + 1 >= token.Length - 1)
            {
                continue;
            }

            char kind = token[i + 1];
            int length = kind switch
            {
                'u' => 6,
                'U' => 10,
                'x' => HexLength(token, i + 2) + 2,
                _ => 2,
            };
            if (kind == 'U')
            {
                map.Add(i); // may decode to a surrogate pair: two characters
            }

            i += length - 1;
        }

        map.Add(token.Length - 1);
        return map;
    }

    private static int HexLength(string token, int start)
    {
        int length = 0;
        while (length < 4 && start + length < token.Length - 1 && System.Uri.IsHexDigit(token[start + length]))
        {
            length++;
        }

        return length;
    }
}
