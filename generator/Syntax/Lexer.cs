using System.Collections.Generic;

namespace LossGen.Generator.Syntax;

/// <summary>Splits an expression into tokens. Never throws: an unknown character becomes a <see cref="TokenKind.Bad"/> token.</summary>
internal static class Lexer
{
    public static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < text.Length)
        {
            char ch = text[i];
            if (char.IsWhiteSpace(ch))
            {
                i++;
                continue;
            }

            int start = i;
            if (IsDigit(ch) || (ch == '.' && i + 1 < text.Length && IsDigit(text[i + 1])))
            {
                i = ScanNumber(text, i);
                tokens.Add(new Token(TokenKind.Number, start, i - start, text.Substring(start, i - start)));
                continue;
            }

            if (IsIdentifierStart(ch))
            {
                while (i < text.Length && IsIdentifierPart(text[i]))
                {
                    i++;
                }

                tokens.Add(new Token(TokenKind.Identifier, start, i - start, text.Substring(start, i - start)));
                continue;
            }

            // Two-character comparisons: <=, >=, ==, !=.
            char next = i + 1 < text.Length ? text[i + 1] : '\0';
            TokenKind? pair = (ch, next) switch
            {
                ('<', '=') => TokenKind.LessEqual,
                ('>', '=') => TokenKind.GreaterEqual,
                ('=', '=') => TokenKind.EqualEqual,
                ('!', '=') => TokenKind.NotEqual,
                _ => null,
            };
            if (pair is { } twoCharacters)
            {
                tokens.Add(new Token(twoCharacters, start, 2, text.Substring(start, 2)));
                i += 2;
                continue;
            }

            TokenKind kind = ch switch
            {
                '<' => TokenKind.Less,
                '>' => TokenKind.Greater,
                '+' => TokenKind.Plus,
                '-' => TokenKind.Minus,
                '*' => TokenKind.Star,
                '/' => TokenKind.Slash,
                '^' => TokenKind.Caret,
                '(' => TokenKind.OpenParen,
                ')' => TokenKind.CloseParen,
                '[' => TokenKind.OpenBracket,
                ']' => TokenKind.CloseBracket,
                ',' => TokenKind.Comma,
                '=' => TokenKind.Equals,
                ';' => TokenKind.Semicolon,
                _ => TokenKind.Bad,
            };

            // A surrogate pair is one bad character, not two.
            int length = char.IsHighSurrogate(ch) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]) ? 2 : 1;
            tokens.Add(new Token(kind, start, length, text.Substring(start, length)));
            i += length;
        }

        tokens.Add(new Token(TokenKind.End, text.Length, 0, string.Empty));
        return tokens;
    }

    private static int ScanNumber(string text, int i)
    {
        while (i < text.Length && IsDigit(text[i]))
        {
            i++;
        }

        if (i < text.Length && text[i] == '.')
        {
            i++;
            while (i < text.Length && IsDigit(text[i]))
            {
                i++;
            }
        }

        if (i < text.Length && (text[i] == 'e' || text[i] == 'E'))
        {
            int j = i + 1;
            if (j < text.Length && (text[j] == '+' || text[j] == '-'))
            {
                j++;
            }

            if (j < text.Length && IsDigit(text[j]))
            {
                i = j;
                while (i < text.Length && IsDigit(text[i]))
                {
                    i++;
                }
            }
        }

        return i;
    }

    private static bool IsDigit(char ch) => ch >= '0' && ch <= '9';

    private static bool IsIdentifierStart(char ch) => (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';

    private static bool IsIdentifierPart(char ch) => IsIdentifierStart(ch) || IsDigit(ch);
}
