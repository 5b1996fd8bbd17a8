namespace LossGen.Generator.Syntax;

internal enum TokenKind
{
    Number,
    Identifier,
    Plus,
    Minus,
    Star,
    Slash,
    Caret,
    OpenParen,
    CloseParen,
    OpenBracket,
    CloseBracket,
    Comma,
    Equals,
    Semicolon,
    /// <summary><c>&lt;</c></summary>
    Less,
    /// <summary><c>&lt;=</c></summary>
    LessEqual,
    /// <summary><c>&gt;</c></summary>
    Greater,
    /// <summary><c>&gt;=</c></summary>
    GreaterEqual,
    /// <summary><c>==</c></summary>
    EqualEqual,
    /// <summary><c>!=</c></summary>
    NotEqual,
    End,
    Bad,
}

/// <summary>A token of the expression language; <see cref="Start"/> is an offset into the expression string.</summary>
internal readonly record struct Token(TokenKind Kind, int Start, int Length, string Text)
{
    public Span Span => new(Start, Length);
}

/// <summary>A range of characters of the expression string.</summary>
internal readonly record struct Span(int Start, int Length)
{
    public int End => Start + Length;

    public static Span Cover(Span a, Span b)
    {
        int start = a.Start < b.Start ? a.Start : b.Start;
        int end = a.End > b.End ? a.End : b.End;
        return new Span(start, end - start);
    }
}
