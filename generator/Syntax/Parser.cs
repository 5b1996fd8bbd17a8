using System;
using System.Collections.Generic;
using System.Globalization;
using LossGen.Generator.Semantics;

namespace LossGen.Generator.Syntax;

/// <summary>
/// Recursive-descent parser for the grammar of docs/dsl.md. Recursion is bounded by <see cref="MaxDepth"/>
/// (nesting deeper than that is a diagnostic, never a stack overflow); operator chains are parsed in loops.
/// </summary>
internal sealed class Parser
{
    public const int MaxDepth = 200;

    private readonly List<Token> _tokens;
    private readonly List<DslDiagnostic> _diagnostics;
    private int _position;
    private int _depth;
    private bool _tooDeep;

    private Parser(string text, List<DslDiagnostic> diagnostics)
    {
        _tokens = Lexer.Tokenize(text);
        _diagnostics = diagnostics;
    }

    /// <summary>Parses <paramref name="text"/>; returns null after reporting a syntax error.</summary>
    public static LossProgram? Parse(string text, List<DslDiagnostic> diagnostics)
    {
        var parser = new Parser(text, diagnostics);
        try
        {
            return parser.ParseProgram();
        }
        catch (SyntaxErrorException)
        {
            return null;
        }
    }

    private Token Current => _tokens[_position];

    private Token Peek(int offset) => _tokens[Math.Min(_position + offset, _tokens.Count - 1)];

    private LossProgram ParseProgram()
    {
        var locals = new List<LocalDefinition>();
        while (Current.Kind == TokenKind.Identifier && Peek(1).Kind == TokenKind.Equals)
        {
            Token name = Next();
            Next();
            Expr value = ParseComparison();
            Expect(TokenKind.Semicolon, "';' after the definition of '" + name.Text + "'");
            locals.Add(new LocalDefinition(name.Text, name.Span, value));
        }

        if (Current.Kind == TokenKind.End)
        {
            Fail(Current.Span, locals.Count == 0 ? "the expression is empty" : "expected the loss expression after the definitions");
        }

        Expr body = ParseComparison();
        if (Current.Kind != TokenKind.End)
        {
            Fail(Current.Span, "unexpected " + Describe(Current) + " after the end of the expression");
        }

        return new LossProgram(locals, body);
    }

    /// <summary>
    /// <c>sum (('&lt;' | '&lt;=' | '&gt;' | '&gt;=' | '==' | '!=') sum)?</c>: comparisons bind loosest and do not chain
    /// (<c>a &lt; b &lt; c</c> is a syntax error). Whether a comparison may stand where it stands is the binder's rule.
    /// </summary>
    private Expr ParseComparison()
    {
        Expr left = ParseExpression();
        if (Comparison(Current.Kind) is not { } op)
        {
            return left;
        }

        Token opToken = Next();
        Expr right = ParseExpression();
        if (Comparison(Current.Kind) is not null)
        {
            Fail(Current.Span, "comparisons do not chain: '" + Current.Text + "' after a comparison");
        }

        return MakeBinary(op, left, right, opToken);
    }

    private static BinaryOp? Comparison(TokenKind kind) => kind switch
    {
        TokenKind.Less => BinaryOp.Less,
        TokenKind.LessEqual => BinaryOp.LessEqual,
        TokenKind.Greater => BinaryOp.Greater,
        TokenKind.GreaterEqual => BinaryOp.GreaterEqual,
        TokenKind.EqualEqual => BinaryOp.Equal,
        TokenKind.NotEqual => BinaryOp.NotEqual,
        _ => null,
    };

    private Expr ParseExpression()
    {
        Expr left = ParseTerm();
        while (Current.Kind is TokenKind.Plus or TokenKind.Minus)
        {
            Token op = Next();
            Expr right = ParseTerm();
            left = MakeBinary(op.Kind == TokenKind.Plus ? BinaryOp.Add : BinaryOp.Subtract, left, right, op);
        }

        return left;
    }

    private Expr ParseTerm()
    {
        Expr left = ParseUnary();
        while (Current.Kind is TokenKind.Star or TokenKind.Slash)
        {
            Token op = Next();
            Expr right = ParseUnary();
            left = MakeBinary(op.Kind == TokenKind.Star ? BinaryOp.Multiply : BinaryOp.Divide, left, right, op);
        }

        return left;
    }

    private Expr ParseUnary()
    {
        if (Current.Kind == TokenKind.Minus)
        {
            // A chain of minus signs is read in a loop, then folded from the inside out.
            var minuses = new List<Token>();
            while (Current.Kind == TokenKind.Minus)
            {
                minuses.Add(Next());
            }

            Expr operand = ParsePower();
            for (int i = minuses.Count - 1; i >= 0; i--)
            {
                operand = new NegateExpr(operand, Span.Cover(minuses[i].Span, operand.Span));
                CheckDepth(operand);
            }

            return operand;
        }

        return ParsePower();
    }

    private Expr ParsePower()
    {
        Expr basis = ParsePostfix();
        if (Current.Kind == TokenKind.Caret)
        {
            Token op = Next();
            Enter(op.Span);
            Expr exponent = ParseUnary();
            Leave();
            return MakeBinary(BinaryOp.Power, basis, exponent, op);
        }

        return basis;
    }

    private Expr ParsePostfix()
    {
        Expr primary = ParsePrimary();
        if (Current.Kind == TokenKind.OpenBracket)
        {
            Next();
            Token index = Current;
            if (index.Kind != TokenKind.Identifier)
            {
                Fail(index.Span, "expected the class-index target 't' inside '[ ]', found " + Describe(index));
            }

            Next();
            Token close = Expect(TokenKind.CloseBracket, "']'");
            var pick = new PickExpr(primary, index.Text, index.Span, Span.Cover(primary.Span, close.Span));
            CheckDepth(pick);
            return pick;
        }

        return primary;
    }

    private Expr ParsePrimary()
    {
        Token token = Current;
        switch (token.Kind)
        {
            case TokenKind.Number:
                Next();
                double value = double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture);
                return new NumberExpr(value, token.Span);

            case TokenKind.Identifier:
                Next();
                if (Current.Kind != TokenKind.OpenParen)
                {
                    return new NameExpr(token.Text, token.Span);
                }

                Token open = Next();
                Enter(open.Span);
                var arguments = new List<Expr>();
                int depth = 0;
                if (Current.Kind == TokenKind.CloseParen)
                {
                    Fail(Current.Span, "'" + token.Text + "' needs at least one argument");
                }

                while (true)
                {
                    Expr argument = ParseComparison();
                    arguments.Add(argument);
                    depth = Math.Max(depth, argument.Depth);
                    if (Current.Kind == TokenKind.Comma)
                    {
                        Next();
                        continue;
                    }

                    break;
                }

                Token close = Expect(TokenKind.CloseParen, "')' to close the call of '" + token.Text + "'");
                Leave();
                var call = new CallExpr(token.Text, token.Span, arguments, Span.Cover(token.Span, close.Span), depth);
                CheckDepth(call);
                return call;

            case TokenKind.OpenParen:
                Token paren = Next();
                Enter(paren.Span);
                Expr inner = ParseComparison();
                Expect(TokenKind.CloseParen, "')'");
                Leave();
                return inner;

            default:
                Fail(token.Span, token.Kind == TokenKind.End ? "the expression ends where a value was expected" : "expected a value, found " + Describe(token));
                return null!;
        }
    }

    private Expr MakeBinary(BinaryOp op, Expr left, Expr right, Token opToken)
    {
        var expr = new BinaryExpr(op, left, right, opToken.Span, Span.Cover(left.Span, right.Span), Math.Max(left.Depth, right.Depth));
        CheckDepth(expr);
        return expr;
    }

    private void CheckDepth(Expr expr)
    {
        if (expr.Depth > MaxDepth && !_tooDeep)
        {
            _tooDeep = true;
            _diagnostics.Add(new DslDiagnostic(DiagnosticIds.TooComplex, expr.Span, "it nests or chains more than " + MaxDepth.ToString(CultureInfo.InvariantCulture) + " levels of operations"));
            throw new SyntaxErrorException();
        }
    }

    private void Enter(Span span)
    {
        if (++_depth > MaxDepth)
        {
            _diagnostics.Add(new DslDiagnostic(DiagnosticIds.TooComplex, span, "it nests or chains more than " + MaxDepth.ToString(CultureInfo.InvariantCulture) + " levels of operations"));
            throw new SyntaxErrorException();
        }
    }

    private void Leave() => _depth--;

    private Token Next()
    {
        Token token = _tokens[_position];
        if (_position < _tokens.Count - 1)
        {
            _position++;
        }

        return token;
    }

    private Token Expect(TokenKind kind, string what)
    {
        if (Current.Kind != kind)
        {
            Fail(Current.Span, "expected " + what + ", found " + Describe(Current));
        }

        return Next();
    }

    private void Fail(Span span, string message)
    {
        if (Current.Kind == TokenKind.Bad && span.Start == Current.Start)
        {
            message = "unexpected character '" + Printable(Current.Text) + "'";
        }

        _diagnostics.Add(new DslDiagnostic(DiagnosticIds.Syntax, span, message));
        throw new SyntaxErrorException();
    }

    private static string Describe(Token token) => token.Kind switch
    {
        TokenKind.End => "the end of the expression",
        TokenKind.Number => "number '" + token.Text + "'",
        TokenKind.Identifier => "name '" + token.Text + "'",
        TokenKind.Bad => "character '" + Printable(token.Text) + "'",
        _ => "'" + token.Text + "'",
    };

    private static string Printable(string text)
    {
        if (text.Length == 1 && (char.IsControl(text[0]) || char.IsWhiteSpace(text[0])))
        {
            return "\\u" + ((int)text[0]).ToString("X4", CultureInfo.InvariantCulture);
        }

        return text;
    }

    private sealed class SyntaxErrorException : Exception
    {
    }
}
