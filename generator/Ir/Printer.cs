using System.Collections.Generic;
using System.Globalization;
using System.Text;

namespace LossGen.Generator.Ir;

/// <summary>
/// Prints a graph as readable math in the language's own notation, recognising <c>softmax</c>, <c>log_softmax</c>
/// <c>mean</c> and <c>norm</c> again; the seed prints as <c>g</c> and the class count as <c>C</c>. Used in XML docs and docs pages.
/// </summary>
internal static class Printer
{
    public const int MaxLength = 2_000;

    /// <summary>Prints <paramref name="node"/>; <paramref name="names"/> gives the inputs' names as the user wrote them (x, t by default).</summary>
    public static string Print(Node node, System.Func<string, string>? names = null)
    {
        var builder = new StringBuilder();
        Append(builder, node, 0, names ?? (n => n));
        return builder.Length > MaxLength ? builder.ToString(0, MaxLength) + " …" : builder.ToString();
    }

    private static void Append(StringBuilder sb, Node node, int outer, System.Func<string, string> names)
    {
        if (sb.Length > MaxLength)
        {
            return;
        }

        switch (node.Op)
        {
            case Op.Const:
                sb.Append(FormatNumber(node.Value));
                return;
            case Op.Input:
                sb.Append(names(node.Name));
                return;
            case Op.Param:
                sb.Append(node.Name);
                return;
            case Op.ClassCount:
                sb.Append('C');
                return;
            case Op.Seed:
                sb.Append('g');
                return;
            case Op.OneHot:
                sb.Append("one_hot(").Append(names("t")).Append(')');
                return;
            case Op.Pick:
                Append(sb, node.Args[0], 10, names);
                sb.Append('[').Append(names("t")).Append(']');
                return;
        }

        Function f = node.Function!;
        if (Recognise(node, out string name, out Node? inner))
        {
            sb.Append(name).Append('(');
            Append(sb, inner!, 0, names);
            sb.Append(')');
            return;
        }

        if (f.Infix is not null)
        {
            bool parens = f.Precedence < outer;
            if (parens)
            {
                sb.Append('(');
            }

            if (node.Args.Length == 1)
            {
                sb.Append('-');
                Append(sb, node.Args[0], f.Precedence, names);
            }
            else
            {
                // Left-associative operators: the left side may share the precedence, the right side may not.
                Append(sb, node.Args[0], f == Functions.Power ? f.Precedence + 1 : f.Precedence, names);
                sb.Append(' ').Append(f.Infix).Append(' ');
                Append(sb, node.Args[1], f == Functions.Power ? f.Precedence : f.Precedence + 1, names);
            }

            if (parens)
            {
                sb.Append(')');
            }

            return;
        }

        sb.Append(f.Name).Append('(');
        for (int i = 0; i < node.Args.Length; i++)
        {
            if (i > 0)
            {
                sb.Append(", ");
            }

            Append(sb, node.Args[i], 0, names);
        }

        sb.Append(')');
    }

    private static bool Recognise(Node node, out string name, out Node? inner)
    {
        name = string.Empty;
        inner = null;
        if (node.Op != Op.Call)
        {
            return false;
        }

        // exp(e - logsumexp(e)) is softmax(e); e - logsumexp(e) is log_softmax(e); sum(e) / C is mean(e).
        if (node.Function == Functions.Exp && IsLogSoftmax(node.Args[0], out inner))
        {
            name = "softmax";
            return true;
        }

        if (IsLogSoftmax(node, out inner))
        {
            name = "log_softmax";
            return true;
        }

        // norm_sqrt(sum(e * e)) is norm(e).
        if (node.Function == Functions.NormSqrt && node.Args[0] is { Op: Op.Call } sum && sum.Function == Functions.Sum
            && sum.Args[0] is { Op: Op.Call } square && square.Function == Functions.Multiply && square.Args[0] == square.Args[1])
        {
            name = "norm";
            inner = square.Args[0];
            return true;
        }

        if (node.Function == Functions.Divide && node.Args[1].Op == Op.ClassCount && node.Args[0].Op == Op.Call && node.Args[0].Function == Functions.Sum)
        {
            name = "mean";
            inner = node.Args[0].Args[0];
            return true;
        }

        return false;
    }

    private static bool IsLogSoftmax(Node node, out Node? inner)
    {
        inner = null;
        if (node.Op == Op.Call && node.Function == Functions.Subtract)
        {
            Node right = node.Args[1];
            if (right.Op == Op.Call && right.Function == Functions.LogSumExp && right.Args[0] == node.Args[0])
            {
                inner = node.Args[0];
                return true;
            }
        }

        return false;
    }

    public static string FormatNumber(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
