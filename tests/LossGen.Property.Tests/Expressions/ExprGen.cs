using System;
using System.Collections.Generic;
using System.Linq;
using CsCheck;

namespace LossGen.Property.Tests.Expressions;

/// <summary>What a generated value is known to satisfy: nothing, &gt; 0, or in (0, 1). Keeps log, sqrt and powers in their domain.</summary>
public enum Dom
{
    Any,
    Pos,
    Unit,
}

/// <summary>What a sub-expression may use: the definitions above it, the hyper-parameters, and which inputs.</summary>
public sealed record Env(IReadOnlyList<(string Name, Sh Shape, Dom Dom)> Locals, IReadOnlyList<string> Hypers, bool AllowY, bool AllowW, bool AllowTarget)
{
    public Env With((string, Sh, Dom) local) => this with { Locals = Locals.Append(local).ToList() };
}

/// <summary>
/// Random well-typed expressions over the language's whole function table (generator/Ir/Functions.cs). Each production
/// is keyed like the table (<c>name/arity</c>, operators by symbol); <see cref="Productions"/> is checked against the
/// table by a test, so a function added there without a production here fails the build of confidence, not silently.
/// </summary>
public static class ExprGen
{
    public delegate Gen<Ex>? Production(Sh shape, Dom dom, int depth, Env env, bool exact);

    private static readonly double[] Positives = { 0.5, 1, 2, 3, 0.25, 1.5, 0.1, 10, 0.001 };
    private static readonly double[] Units = { 0.5, 0.25, 0.75, 0.1, 0.9 };

    public static bool Fits(Dom have, Dom want) => want == Dom.Any || (want == Dom.Pos && have != Dom.Any) || have == Dom.Unit;

    /// <summary>Every production, keyed as the function table names its rows.</summary>
    public static readonly IReadOnlyDictionary<string, Production> Productions = new Dictionary<string, Production>
    {
        ["+"] = (s, d, n, env, exact) => d switch
        {
            Dom.Any => Binary('+', s, Dom.Any, Dom.Any, n, env, exact),
            Dom.Pos => Binary('+', s, Dom.Pos, Dom.Pos, n, env, exact),
            _ => null,
        },
        ["-"] = (s, d, n, env, exact) => d switch
        {
            Dom.Any => Binary('-', s, Dom.Any, Dom.Any, n, env, exact),
            _ => Expr(s, Dom.Unit, n - 1, env, exact).Select(a => (Ex)new Bin('-', new Num(1), a)),
        },
        ["*"] = (s, d, n, env, exact) => Binary('*', s, d, d, n, env, exact),
        ["/"] = (s, d, n, env, exact) => d switch
        {
            Dom.Any => Binary('/', s, Dom.Any, Dom.Pos, n, env, exact, ordered: true),
            Dom.Pos => Binary('/', s, Dom.Pos, Dom.Pos, n, env, exact, ordered: true),
            _ => null,
        },
        ["neg"] = (s, d, n, env, exact) => d == Dom.Any ? Expr(s, Dom.Any, n - 1, env, exact).Select(a => (Ex)new Neg(a)) : null,
        ["^"] = (s, d, n, env, exact) => d switch
        {
            // A positive base takes any exponent; any base takes a whole exponent; a base in (0, 1) a positive one.
            Dom.Pos => Gen.Select(Expr(s, Dom.Pos, n - 1, env, exact), Exponent(s, n, env), (a, b) => (Ex)new Bin('^', a, b)),
            Dom.Unit => Gen.Select(Expr(s, Dom.Unit, n - 1, env, exact), Expr(Sh.Scalar, Dom.Pos, 0, env, false), (a, b) => (Ex)new Bin('^', a, b)),
            _ => Gen.Select(Expr(s, Dom.Any, n - 1, env, exact), Gen.OneOf(2.0, 3.0), (a, k) => (Ex)new Bin('^', a, new Num(k))),
        },
        ["exp/1"] = Unary("exp", Dom.Any, Dom.Pos),
        ["log/1"] = Unary("log", Dom.Pos, Dom.Any),
        ["log1p/1"] = Unary("log1p", Dom.Pos, Dom.Any),
        ["expm1/1"] = Unary("expm1", Dom.Any, Dom.Any),
        ["sqrt/1"] = Unary("sqrt", Dom.Pos, Dom.Pos),
        ["abs/1"] = Unary("abs", Dom.Any, Dom.Any),
        ["square/1"] = Unary("square", Dom.Any, Dom.Any),
        ["sigmoid/1"] = Unary("sigmoid", Dom.Any, Dom.Unit),
        ["log_sigmoid/1"] = Unary("log_sigmoid", Dom.Any, Dom.Any),
        ["softplus/1"] = Unary("softplus", Dom.Any, Dom.Pos),
        ["relu/1"] = Unary("relu", Dom.Any, Dom.Any),
        ["tanh/1"] = Unary("tanh", Dom.Any, Dom.Any),
        ["log_cosh/1"] = Unary("log_cosh", Dom.Any, Dom.Any),
        ["hinge/1"] = Unary("hinge", Dom.Any, Dom.Any),
        ["stirling/1"] = Unary("stirling", Dom.Pos, Dom.Any),
        ["min/2"] = (s, d, n, env, exact) => Binary2("min", s, d, d, n, env, exact),
        ["max/2"] = (s, d, n, env, exact) => Binary2("max", s, d, d, n, env, exact),
        ["clamp/3"] = (s, d, n, env, exact) =>
            Gen.Select(Expr(s, Dom.Any, n - 1, env, exact), Bound(s, d, n, env, low: true), Bound(s, d, n, env, low: false), (a, lo, hi) => (Ex)new Call("clamp", new[] { a, lo, hi })),
        // where(l op r, a, b): the comparison's sides any values of the shape (so the kink falls anywhere), the branches
        // in the domain asked for.
        ["where/3"] = (s, d, n, env, exact) =>
            Gen.Select(Gen.OneOf(Tree.Comparisons), Pair(s, Dom.Any, Dom.Any, n, env, exact, ordered: false), Pair(s, d, d, n, env, false, ordered: false),
                (op, sides, branches) => (Ex)new Call("where" + op, new[] { sides.A, sides.B, branches.A, branches.B })),
        ["xlogy/2"] = (s, d, n, env, exact) => d == Dom.Any ? Binary2("xlogy", s, Dom.Any, Dom.Pos, n, env, exact) : null,
        ["bce/2"] = (s, d, n, env, exact) => d == Dom.Any ? Binary2("bce", s, Dom.Unit, Dom.Unit, n, env, exact) : null,
        ["softmax/1"] = (s, d, n, env, exact) => s == Sh.Class ? ClassArgument("softmax", Dom.Any, n, env) : null,
        ["log_softmax/1"] = (s, d, n, env, exact) => s == Sh.Class && d == Dom.Any ? ClassArgument("log_softmax", Dom.Any, n, env) : null,
        ["logsumexp/1"] = (s, d, n, env, exact) => Row(s, exact) && d == Dom.Any ? ClassArgument("logsumexp", Dom.Any, n, env) : null,
        ["sum/1"] = (s, d, n, env, exact) => Row(s, exact) && d != Dom.Unit ? ClassArgument("sum", d, n, env) : null,
        ["mean/1"] = (s, d, n, env, exact) => Row(s, exact) ? ClassArgument("mean", d, n, env) : null,
        ["max/1"] = (s, d, n, env, exact) => Row(s, exact) ? ClassArgument("max", d, n, env) : null,
        // Norms are non-negative (positive but for an all-zero row); p is a constant, 1 (sum of abs, kinked at 0) or not.
        ["norm/1"] = (s, d, n, env, exact) => Row(s, exact) && d != Dom.Unit ? ClassArgument("norm", Dom.Any, n, env) : null,
        ["norm/2"] = (s, d, n, env, exact) => Row(s, exact) && d != Dom.Unit
            ? Gen.Select(Expr(Sh.Class, Dom.Any, n - 1, env, true), Gen.OneOf(1.0, 2.0, 3.0, 1.5), (a, p) => (Ex)new Call("norm", new[] { a, new Num(p) }))
            : null,
        ["min/1"] = (s, d, n, env, exact) => Row(s, exact) ? ClassArgument("min", d, n, env) : null,
        ["pick"] = (s, d, n, env, exact) => Row(s, exact) && env.AllowTarget ? Expr(Sh.Class, d, n - 1, env, true).Select(a => (Ex)new Pick(a)) : null,
    };

    /// <summary>
    /// Functions of the table that are not productions of <see cref="Expr"/>: a leaf, the whole-loss form, the
    /// comparisons, which are written only inside <c>where/3</c>, and detach, whose zero gradient finite differences
    /// cannot see (checked against TorchSharp's no_grad clamp by the GaussianNllLoss tests).
    /// </summary>
    public static readonly string[] Special = { "one_hot/1", "mean_by/2", "<", "<=", ">", ">=", "==", "!=", "detach/1" };

    private static bool Row(Sh s, bool exact) => exact ? s == Sh.Row : s >= Sh.Row;

    private static Production Unary(string name, Dom argument, Dom result) =>
        (s, d, n, env, exact) => Fits(result, d) ? Expr(s, argument, n - 1, env, exact).Select(a => (Ex)new Call(name, new[] { a })) : null;

    private static Gen<Ex> Binary(char op, Sh s, Dom left, Dom right, int n, Env env, bool exact, bool ordered = false) =>
        Pair(s, left, right, n, env, exact, ordered).Select(p => (Ex)new Bin(op, p.A, p.B));

    private static Gen<Ex> Binary2(string fn, Sh s, Dom left, Dom right, int n, Env env, bool exact) =>
        Pair(s, left, right, n, env, exact, ordered: false).Select(p => (Ex)new Call(fn, new[] { p.A, p.B }));

    /// <summary>Two operands, one of them of shape exactly <paramref name="s"/> when <paramref name="exact"/>, the other narrower or equal.</summary>
    private static Gen<(Ex A, Ex B)> Pair(Sh s, Dom left, Dom right, int n, Env env, bool exact, bool ordered) =>
        Gen.Bool.SelectMany(exactOnLeft =>
            Gen.Select(Expr(s, left, n - 1, env, exact && (exactOnLeft || ordered)), Expr(s, right, n - 1, env, exact && !exactOnLeft && !ordered)));

    private static Gen<Ex> ClassArgument(string fn, Dom d, int n, Env env) =>
        Expr(Sh.Class, d, n - 1, env, true).Select(a => (Ex)new Call(fn, new[] { a }));

    private static Gen<Ex> Exponent(Sh s, int n, Env env) =>
        Choose(
            (3, () => Gen.OneOf(0.5, 2.0, 3.0, 1.5).Select(k => (Ex)new Num(k))),
            (1, () => Expr(Sh.Scalar, Dom.Pos, 0, env, false)),
            (2, () => Expr(s, Dom.Any, Math.Min(n - 1, 1), env, false)));

    /// <summary>A bound of clamp: mostly a constant, sometimes an expression (so the bounds may cross).</summary>
    private static Gen<Ex> Bound(Sh s, Dom d, int n, Env env, bool low) =>
        Choose(
            (3, () => Gen.Const<Ex>(d == Dom.Any ? (low ? new Neg(new Num(1)) : new Num(1)) : new Num(low ? 0.25 : 0.75))),
            (1, () => Expr(s, d == Dom.Any ? Dom.Any : Dom.Unit, Math.Min(n - 1, 1), env, false)));

    /// <summary>One of several generators, each built only when chosen (the productions are recursive).</summary>
    public static Gen<T> Choose<T>(params (int Weight, Func<Gen<T>> Make)[] options)
    {
        int total = options.Sum(o => o.Weight);
        return Gen.Int[0, total - 1].SelectMany(r =>
        {
            foreach ((int weight, Func<Gen<T>> make) in options)
            {
                if (r < weight)
                {
                    return make();
                }

                r -= weight;
            }

            throw new InvalidOperationException();
        });
    }

    /// <summary>
    /// A random expression of shape <paramref name="s"/> (exactly, or at most when not <paramref name="exact"/>), whose
    /// values satisfy <paramref name="d"/> by construction, at most <paramref name="depth"/> operations deep.
    /// </summary>
    public static Gen<Ex> Expr(Sh s, Dom d, int depth, Env env, bool exact)
    {
        var leaves = Leaves(s, d, env, exact);
        if (depth <= 0)
        {
            return OneOf(leaves);
        }

        var options = new List<(int, Func<Gen<Ex>>)> { (leaves.Count, () => OneOf(leaves)) };
        foreach (KeyValuePair<string, Production> production in Productions)
        {
            Gen<Ex>? gen = null;
            bool built = false;
            // Probe applicability without building deep generators: productions are cheap until sampled.
            options.Add((production.Key.Length == 1 ? 3 : 1, () =>
            {
                if (!built)
                {
                    gen = production.Value(s, d, depth, env, exact);
                    built = true;
                }

                return gen ?? OneOf(leaves);
            }));
        }

        return Choose(options.ToArray());
    }

    private static Gen<Ex> OneOf(List<Gen<Ex>> gens) => Gen.OneOf<Ex>(gens.Cast<IGen<Ex>>().ToArray());

    private static List<Gen<Ex>> Leaves(Sh s, Dom d, Env env, bool exact)
    {
        var result = new List<Gen<Ex>>();
        void Add(Sh shape, Dom dom, Ex e)
        {
            if ((exact ? shape == s : shape <= s) && Fits(dom, d))
            {
                result.Add(Gen.Const(e));
            }
        }

        Add(Sh.Class, Dom.Any, new Ref("x"));
        Add(Sh.Class, Dom.Any, new Ref("x"));
        Add(Sh.Class, Dom.Unit, new Call("sigmoid", new Ex[] { new Ref("x") }));
        Add(Sh.Class, Dom.Pos, new Call("softplus", new Ex[] { new Ref("x") }));
        if (env.AllowY)
        {
            Add(Sh.Class, Dom.Unit, new Ref("y"));
        }

        if (env.AllowW)
        {
            Add(Sh.Class, Dom.Pos, new Ref("w"));
        }

        if (env.AllowTarget)
        {
            Add(Sh.Class, Dom.Any, new OneHot());
            Add(Sh.Row, Dom.Any, new Pick(new Ref("x")));
            if (env.AllowW)
            {
                Add(Sh.Row, Dom.Pos, new Pick(new Ref("w")));
            }
        }

        Add(Sh.Row, Dom.Any, new Call("logsumexp", new Ex[] { new Ref("x") }));
        Add(Sh.Row, Dom.Any, new Call("max", new Ex[] { new Ref("x") }));
        Add(Sh.Row, Dom.Pos, new Call("sum", new Ex[] { new Call("sigmoid", new Ex[] { new Ref("x") }) }));
        Add(Sh.Row, Dom.Unit, new Call("mean", new Ex[] { new Call("sigmoid", new Ex[] { new Ref("x") }) }));
        if (env.AllowY)
        {
            Add(Sh.Row, Dom.Unit, new Call("mean", new Ex[] { new Ref("y") }));
        }

        foreach (double v in Positives)
        {
            Add(Sh.Scalar, Dom.Pos, new Num(v));
        }

        foreach (double v in Units)
        {
            Add(Sh.Scalar, Dom.Unit, new Num(v));
        }

        foreach (string h in env.Hypers)
        {
            Add(Sh.Scalar, Dom.Pos, new Ref(h));
        }

        foreach ((string name, Sh shape, Dom dom) in env.Locals)
        {
            Add(shape, dom, new Ref(name));
            Add(shape, dom, new Ref(name));
        }

        if (result.Count == 0)
        {
            throw new InvalidOperationException($"No leaf of shape {s} ({(exact ? "exactly" : "at most")}) in {d}.");
        }

        return result;
    }

    /// <summary>A whole program: definitions, a row- or class-shaped loss that depends on x, perhaps mean_by.</summary>
    public static Gen<LossProgram> Program(Env env0, int maxDepth) =>
        Gen.Int[0, 3].SelectMany(localCount => Locals(env0, localCount, maxDepth)).SelectMany(pair =>
        {
            (List<(string, Ex)> locals, Env env) = pair;
            return Gen.Select(Gen.Bool, Gen.Int[1, maxDepth], Gen.Int[0, 9]).SelectMany(options =>
            {
                (bool row, int depth, int meanBy) = options;
                Sh shape = row ? Sh.Row : Sh.Class;
                return Expr(shape, Dom.Any, depth, env, true).SelectMany(body =>
                {
                    if (row && env.AllowTarget && env.AllowW && meanBy < 3)
                    {
                        return MeanWeight(env).Select(v => new LossProgram(locals, body, v));
                    }

                    return Gen.Const(new LossProgram(locals, body, null));
                });
            });
        }).Where(p => Tree.Mentions(p.Body, "x", p));

    private static Gen<Ex> MeanWeight(Env env)
    {
        Ex wt = new Pick(new Ref("w"));
        var options = new List<Ex> { wt, wt, new Bin('*', new Num(2), wt), new Bin('+', new Num(0.5), wt), new Num(2) };
        options.AddRange(env.Hypers.Select(h => (Ex)new Bin('*', new Ref(h), wt)));
        return Gen.OneOf(options.ToArray());
    }

    private static Gen<(List<(string, Ex)>, Env)> Locals(Env env, int count, int maxDepth)
    {
        Gen<(List<(string, Ex)>, Env)> gen = Gen.Const((new List<(string, Ex)>(), env));
        for (int i = 0; i < count; i++)
        {
            int index = i;
            gen = gen.SelectMany(state =>
                Gen.Select(Gen.Int[0, 9], Gen.OneOf(Dom.Any, Dom.Pos, Dom.Unit), Gen.Int[1, Math.Max(1, maxDepth - 1)]).SelectMany(choice =>
                {
                    (int shapeRoll, Dom dom, int depth) = choice;
                    Sh shape = shapeRoll == 0 ? Sh.Scalar : shapeRoll < 5 ? Sh.Row : Sh.Class;
                    return Expr(shape, dom, depth, state.Item2, true).Select(value =>
                    {
                        string name = "z" + index;
                        var locals = new List<(string, Ex)>(state.Item1) { (name, value) };
                        return (locals, state.Item2.With((name, shape, dom)));
                    });
                }));
        }

        return gen;
    }
}
