using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Text;

namespace LossGen.Property.Tests.Expressions;

/// <summary>How a value varies: everywhere the same, once per position, or along the class axis too (docs/dsl.md, Shapes).</summary>
public enum Sh
{
    Scalar = 0,
    Row = 1,
    Class = 2,
}

/// <summary>
/// The tests' own syntax tree of a loss expression. It is deliberately not the generator's: random programs are built
/// here, printed to text, compiled by the generator, and evaluated by <see cref="Oracle.Evaluator"/> from this tree.
/// </summary>
public abstract record Ex;

/// <summary>A non-negative number (a negative one is <see cref="Neg"/> of it, as in the language).</summary>
public sealed record Num(double Value) : Ex;

/// <summary>A name: an input (<c>x</c>, <c>y</c>, <c>w</c>), a hyper-parameter or a local definition.</summary>
public sealed record Ref(string Name) : Ex;

/// <summary><c>one_hot(t)</c>.</summary>
public sealed record OneHot : Ex;

public sealed record Neg(Ex A) : Ex;

/// <summary><c>a + b</c>, <c>a - b</c>, <c>a * b</c>, <c>a / b</c>, <c>a ^ b</c>.</summary>
public sealed record Bin(char Op, Ex A, Ex B) : Ex;

/// <summary>
/// A call by name; <c>min</c> and <c>max</c> reduce over the classes with one argument. <c>where(l op r, a, b)</c> is a
/// call named <c>where</c> followed by the comparison (<c>where&lt;=</c>) on the four values l, r, a, b.
/// </summary>
public sealed record Call(string Fn, Ex[] Args) : Ex
{
    public Ex A => Args[0];
}

/// <summary><c>e[t]</c>.</summary>
public sealed record Pick(Ex A) : Ex;

/// <summary>Definitions, the loss and, for <c>mean_by(L, v)</c>, the weight <c>v</c>.</summary>
public sealed record LossProgram(IReadOnlyList<(string Name, Ex Value)> Locals, Ex Body, Ex? MeanWeight)
{
    public IEnumerable<Ex> Roots => Locals.Select(l => l.Value).Append(Body).Concat(MeanWeight is null ? Array.Empty<Ex>() : new[] { MeanWeight });

    public int Size => Roots.Sum(Tree.Size);
}

public static class Tree
{
    public static readonly string[] ClassAxisFunctions = { "softmax", "log_softmax", "logsumexp", "sum", "mean", "norm" };

    /// <summary>The comparisons where's condition may use (docs/dsl.md: comparisons and where).</summary>
    public static readonly string[] Comparisons = { "<", "<=", ">", ">=", "==", "!=" };

    public static bool IsWhere(Call c) => c.Args.Length == 4 && c.Fn.StartsWith("where", StringComparison.Ordinal);

    /// <summary>The comparison of a where call: <c>where&lt;=</c> gives <c>&lt;=</c>.</summary>
    public static string Comparison(string where) => where.Substring("where".Length);

    public static bool IsReduction(Call c) =>
        c.Fn is "logsumexp" or "sum" or "mean" or "norm" || (c.Fn is "max" or "min" && c.Args.Length == 1);

    public static bool OverClasses(Call c) => IsReduction(c) || c.Fn is "softmax" or "log_softmax";

    public static IEnumerable<Ex> Children(Ex e) => e switch
    {
        Neg n => new[] { n.A },
        Bin b => new[] { b.A, b.B },
        Call c => c.Args,
        Pick p => new[] { p.A },
        _ => Array.Empty<Ex>(),
    };

    public static IEnumerable<Ex> Nodes(Ex e)
    {
        var stack = new Stack<Ex>();
        stack.Push(e);
        while (stack.Count > 0)
        {
            Ex n = stack.Pop();
            yield return n;
            foreach (Ex c in Children(n))
            {
                stack.Push(c);
            }
        }
    }

    public static int Size(Ex e) => Nodes(e).Count();

    /// <summary>The shape of <paramref name="e"/>; <paramref name="locals"/> gives the shape of each definition.</summary>
    public static Sh Shape(Ex e, IReadOnlyDictionary<string, Sh> locals) => e switch
    {
        Num => Sh.Scalar,
        Ref r => r.Name is "x" or "y" or "w" ? Sh.Class : locals.TryGetValue(r.Name, out Sh s) ? s : Sh.Scalar,
        OneHot => Sh.Class,
        Neg n => Shape(n.A, locals),
        Bin b => Max(Shape(b.A, locals), Shape(b.B, locals)),
        Pick => Sh.Row,
        Call c when IsReduction(c) => Sh.Row,
        Call c => c.Args.Select(a => Shape(a, locals)).Aggregate(Sh.Scalar, Max),
        _ => throw new InvalidOperationException(e.ToString()),
    };

    public static Dictionary<string, Sh> LocalShapes(LossProgram p)
    {
        var shapes = new Dictionary<string, Sh>();
        foreach ((string name, Ex value) in p.Locals)
        {
            shapes[name] = Shape(value, shapes);
        }

        return shapes;
    }

    private static Sh Max(Sh a, Sh b) => a > b ? a : b;

    /// <summary>Whether the program mentions a node satisfying <paramref name="test"/> anywhere, definitions included.</summary>
    public static bool Any(LossProgram p, Func<Ex, bool> test) => p.Roots.Any(r => Nodes(r).Any(test));

    /// <summary>Whether <paramref name="e"/> reaches <paramref name="name"/>, looking through definitions.</summary>
    public static bool Mentions(Ex e, string name, LossProgram p)
    {
        var definitions = p.Locals.ToDictionary(l => l.Name, l => l.Value);
        var seen = new HashSet<string>();
        var stack = new Stack<Ex>();
        stack.Push(e);
        while (stack.Count > 0)
        {
            Ex n = stack.Pop();
            if (n is Ref r)
            {
                if (r.Name == name)
                {
                    return true;
                }

                if (definitions.TryGetValue(r.Name, out Ex? value) && seen.Add(r.Name))
                {
                    stack.Push(value);
                }
            }

            foreach (Ex c in Children(n))
            {
                stack.Push(c);
            }
        }

        return false;
    }

    public static bool UsesTarget(LossProgram p) => Any(p, n => n is Pick or OneHot);

    /// <summary>No class axis at all (docs/dsl.md, Input layout): no t, no w, no function over the classes, anywhere.</summary>
    public static bool Flat(LossProgram p) =>
        !Any(p, n => n is Pick or OneHot || (n is Ref { Name: "w" }) || (n is Call c && OverClasses(c)));

    /// <summary>Replaces the node at pre-order index <paramref name="index"/> of <paramref name="e"/>.</summary>
    public static Ex Replace(Ex e, int index, Ex replacement)
    {
        int counter = 0;
        return Walk(e);

        Ex Walk(Ex n)
        {
            if (counter++ == index)
            {
                return replacement;
            }

            return n switch
            {
                Neg x => new Neg(Walk(x.A)),
                Bin b => new Bin(b.Op, Walk(b.A), Walk(b.B)),
                Call c => new Call(c.Fn, c.Args.Select(Walk).ToArray()),
                Pick p => new Pick(Walk(p.A)),
                _ => n,
            };
        }
    }

    /// <summary>The nodes of <paramref name="e"/> in the pre-order that <see cref="Replace"/> counts.</summary>
    public static List<Ex> PreOrder(Ex e)
    {
        var list = new List<Ex>();
        Visit(e);
        return list;

        void Visit(Ex n)
        {
            list.Add(n);
            foreach (Ex c in Children(n))
            {
                Visit(c);
            }
        }
    }
}

/// <summary>How a program is spelled: spacing, redundant parentheses and number formats vary, the meaning does not.</summary>
public sealed record PrintStyle(int Seed, bool Spacing, bool ExtraParentheses, bool ExponentNumbers)
{
    public static readonly PrintStyle Plain = new(0, false, false, false);
}

/// <summary>Prints a tree in the language with the fewest parentheses its grammar needs (plus optional extras).</summary>
public static class Printer
{
    // Binding strength: 1 + -, 2 * /, 3 unary minus, 4 ^, 5 postfix [t], 6 primary.
    public static string Print(LossProgram p, PrintStyle? style = null)
    {
        style ??= PrintStyle.Plain;
        var random = new Random(style.Seed);
        var sb = new StringBuilder();
        foreach ((string name, Ex value) in p.Locals)
        {
            sb.Append(name).Append(Space(random, style)).Append('=').Append(Space(random, style));
            Append(sb, value, 0, random, style);
            sb.Append(';').Append(' ').Append(style.Spacing ? Space(random, style) : string.Empty);
        }

        if (p.MeanWeight is null)
        {
            Append(sb, p.Body, 0, random, style);
        }
        else
        {
            sb.Append("mean_by(");
            Append(sb, p.Body, 0, random, style);
            sb.Append(", ");
            Append(sb, p.MeanWeight, 0, random, style);
            sb.Append(')');
        }

        return sb.ToString();
    }

    public static string Print(Ex e) => Print(new LossProgram(Array.Empty<(string, Ex)>(), e, null));

    private static string Space(Random random, PrintStyle style)
    {
        if (!style.Spacing)
        {
            return " ";
        }

        return random.Next(6) switch
        {
            0 => string.Empty,
            1 => "  ",
            2 => "\t",
            3 => "\n ", // line breaks inside the expression
            _ => " ",
        };
    }

    private static void Append(StringBuilder sb, Ex e, int outer, Random random, PrintStyle style)
    {
        int own = Precedence(e);
        bool parens = own < outer || (style.ExtraParentheses && random.Next(8) == 0);
        if (parens)
        {
            sb.Append('(');
        }

        switch (e)
        {
            case Num n:
                sb.Append(FormatNumber(n.Value, style.ExponentNumbers && random.Next(2) == 0));
                break;
            case Ref r:
                sb.Append(r.Name);
                break;
            case OneHot:
                sb.Append("one_hot(t)");
                break;
            case Neg n:
                sb.Append('-');
                Append(sb, n.A, 3, random, style);
                break;
            case Bin { Op: '^' } b:
                Append(sb, b.A, 5, random, style);
                sb.Append(Space(random, style)).Append('^').Append(Space(random, style));
                Append(sb, b.B, 3, random, style);
                break;
            case Bin b:
                int p = Precedence(b);
                Append(sb, b.A, p, random, style);
                sb.Append(Space(random, style)).Append(b.Op).Append(Space(random, style));
                Append(sb, b.B, p + 1, random, style);
                break;
            case Call c when Tree.IsWhere(c):
                sb.Append("where(");
                Append(sb, c.Args[0], 0, random, style);
                sb.Append(Space(random, style)).Append(Tree.Comparison(c.Fn)).Append(Space(random, style));
                Append(sb, c.Args[1], 0, random, style);
                for (int i = 2; i < 4; i++)
                {
                    sb.Append(',').Append(Space(random, style));
                    Append(sb, c.Args[i], 0, random, style);
                }

                sb.Append(')');
                break;
            case Call c:
                sb.Append(c.Fn).Append('(');
                for (int i = 0; i < c.Args.Length; i++)
                {
                    if (i > 0)
                    {
                        sb.Append(',').Append(Space(random, style));
                    }

                    Append(sb, c.Args[i], 0, random, style);
                }

                sb.Append(')');
                break;
            case Pick k:
                Append(sb, k.A, 6, random, style);
                sb.Append("[t]");
                break;
        }

        if (parens)
        {
            sb.Append(')');
        }
    }

    private static int Precedence(Ex e) => e switch
    {
        Bin { Op: '+' or '-' } => 1,
        Bin { Op: '*' or '/' } => 2,
        Neg => 3,
        Bin { Op: '^' } => 4,
        Pick => 5,
        _ => 6,
    };

    public static string FormatNumber(double value, bool exponent = false) =>
        exponent ? value.ToString("0.0###############E+0", CultureInfo.InvariantCulture) : value.ToString("R", CultureInfo.InvariantCulture);
}
