using System;
using System.Collections.Generic;
using System.Linq;
using LossGen.Property.Tests.Expressions;

namespace LossGen.Property.Tests.Oracle;

/// <summary>What the oracle expects of one call: the loss (reduced, or per value), dL/dx and dL/dy.</summary>
public sealed record Expected(double Reduced, double[] Loss, double[] Dx, double[] Dy, double ValueScale, double GradientScale, double KinkMargin, double SingularMargin, bool Finite, double AmbiguousKinkMargin);

/// <summary>
/// An independent interpreter of the tests' own syntax tree, with its own numeric definitions (docs/dsl.md, PyTorch's
/// conventions) and its own reverse-mode derivative rules. It shares no code with the generator: it walks
/// <see cref="Ex"/>, not the generator's graph, and derives softmax, log_softmax, clamp... by hand.
/// </summary>
public sealed class Evaluator
{
    private enum K
    {
        Const, X, Y, W, OneHot, Hyper, Neg, Add, Sub, Mul, Div, Pow, Fn1, Min2, Max2, XLogY, Bce, Clamp,
        Softmax, LogSoftmax, LogSumExp, Sum, Mean, MaxR, MinR, Pick, Where, Norm,
    }

    private sealed record Ins(K Kind, int[] Args, bool ClassShaped, double Value = 0, string Fn = "", int Hyper = 0);

    private readonly List<Ins> _code = new();
    private readonly int _body;
    private readonly int _weight = -1;

    public Evaluator(LossProgram program, IReadOnlyList<Hyper> hypers)
    {
        var locals = new Dictionary<string, int>();
        var hyperIndex = hypers.Select((h, i) => (h.Name, i)).ToDictionary(p => p.Name, p => p.i);
        foreach ((string name, Ex value) in program.Locals)
        {
            locals[name] = Compile(value, locals, hyperIndex);
        }

        _body = Compile(program.Body, locals, hyperIndex);
        if (program.MeanWeight is not null)
        {
            _weight = Compile(program.MeanWeight, locals, hyperIndex);
        }
    }

    public bool BodyClassShaped => _code[_body].ClassShaped;

    private int Emit(Ins ins)
    {
        _code.Add(ins);
        return _code.Count - 1;
    }

    private int Compile(Ex e, Dictionary<string, int> locals, Dictionary<string, int> hypers)
    {
        int[] Args(params Ex[] args) => args.Select(a => Compile(a, locals, hypers)).ToArray();
        bool AnyClass(int[] args) => args.Any(a => _code[a].ClassShaped);
        switch (e)
        {
            case Num n:
                return Emit(new Ins(K.Const, Array.Empty<int>(), false, n.Value));
            case Ref { Name: "x" }:
                return Emit(new Ins(K.X, Array.Empty<int>(), true));
            case Ref { Name: "y" }:
                return Emit(new Ins(K.Y, Array.Empty<int>(), true));
            case Ref { Name: "w" }:
                return Emit(new Ins(K.W, Array.Empty<int>(), true));
            case Ref r when locals.TryGetValue(r.Name, out int local):
                return local;
            case Ref r when hypers.TryGetValue(r.Name, out int h):
                return Emit(new Ins(K.Hyper, Array.Empty<int>(), false, Hyper: h));
            case OneHot:
                return Emit(new Ins(K.OneHot, Array.Empty<int>(), true));
            case Neg n:
            {
                int[] a = Args(n.A);
                return Emit(new Ins(K.Neg, a, AnyClass(a)));
            }

            case Bin b:
            {
                int[] a = Args(b.A, b.B);
                K kind = b.Op switch { '+' => K.Add, '-' => K.Sub, '*' => K.Mul, '/' => K.Div, _ => K.Pow };
                return Emit(new Ins(kind, a, AnyClass(a)));
            }

            case Pick p:
                return Emit(new Ins(K.Pick, Args(p.A), false));
            case Call c:
            {
                int[] a = Args(c.Args);
                K kind = (c.Fn, c.Args.Length) switch
                {
                    ("min", 2) => K.Min2,
                    ("max", 2) => K.Max2,
                    ("min", 1) => K.MinR,
                    ("max", 1) => K.MaxR,
                    ("xlogy", 2) => K.XLogY,
                    ("bce", 2) => K.Bce,
                    ("clamp", 3) => K.Clamp,
                    (_, 4) when Tree.IsWhere(c) => K.Where,
                    ("softmax", 1) => K.Softmax,
                    ("log_softmax", 1) => K.LogSoftmax,
                    ("logsumexp", 1) => K.LogSumExp,
                    ("sum", 1) => K.Sum,
                    ("mean", 1) => K.Mean,
                    ("norm", 1 or 2) => K.Norm,
                    (_, 1) => K.Fn1,
                    _ => throw new NotSupportedException(c.Fn),
                };
                bool classShaped = kind is K.Softmax or K.LogSoftmax || (kind is not (K.LogSumExp or K.Sum or K.Mean or K.MaxR or K.MinR or K.Norm) && AnyClass(a));
                return Emit(new Ins(kind, a, classShaped, Fn: c.Fn));
            }
        }

        throw new NotSupportedException(e.ToString());
    }

    /// <summary>The state of one position: values and adjoints of every instruction, margins to kinks, magnitudes.</summary>
    private sealed class Row
    {
        public double[][] V = Array.Empty<double[]>();
        public double[][] A = Array.Empty<double[]>();
        public double Kink = double.PositiveInfinity;
        public double Ambiguous = double.PositiveInfinity;
        public double Singular = double.PositiveInfinity;
        public double Scale;
        public double GradScale;
    }

    public static double Log1p(double a)
    {
        double u = 1 + a;
        return u == 1 ? a : Math.Log(u) * a / (u - 1);
    }

    public static double Expm1(double a)
    {
        if (Math.Abs(a) > 0.5)
        {
            return Math.Exp(a) - 1;
        }

        double u = Math.Exp(a);
        if (u == 1)
        {
            return a;
        }

        double um1 = u - 1;
        return um1 == -1 ? -1 : um1 * a / Math.Log(u);
    }

    public static double Sigmoid(double a) => a >= 0 ? 1 / (1 + Math.Exp(-a)) : Math.Exp(a) / (1 + Math.Exp(a));

    public static double Softplus(double a) => Math.Max(a, 0) + Log1p(Math.Exp(-Math.Abs(a)));

    /// <summary>log(cosh(a)) = log1p((e^|a| - 1)^2 / (2 e^|a|)), and |a| - log 2 + e^(-2|a|) to first order once that is exact in doubles.</summary>
    private static double LogCosh(double a)
    {
        double m = Math.Abs(a);
        if (m > 20)
        {
            return m - Math.Log(2) + Math.Exp(-2 * m);
        }

        double u = Expm1(m);
        return Log1p(u * u / (2 * (1 + u)));
    }

    private static double Fn1(string fn, double a) => fn switch
    {
        "exp" => Math.Exp(a),
        "log" => Math.Log(a),
        "log1p" => Log1p(a),
        "expm1" => Expm1(a),
        "sqrt" => Math.Sqrt(a),
        "abs" => Math.Abs(a),
        "square" => a * a,
        "sigmoid" => Sigmoid(a),
        "log_sigmoid" => -Softplus(-a),
        "softplus" => Softplus(a),
        "relu" => a > 0 ? a : 0,
        "tanh" => Math.Tanh(a),
        "log_cosh" => LogCosh(a),
        "hinge" => a < 1 ? 1 - a : 0,
        "stirling" => a > 1 ? a * Math.Log(a) - a + 0.5 * Math.Log(2 * Math.PI * a) : 0,
        _ => throw new NotSupportedException(fn),
    };

    private static double Fn1Derivative(string fn, double a, double r) => fn switch
    {
        "exp" => r,
        "log" => 1 / a,
        "log1p" => 1 / (1 + a),
        "expm1" => r + 1,
        "sqrt" => 0.5 / r,
        "abs" => a > 0 ? 1 : a < 0 ? -1 : 0,
        "square" => 2 * a,
        "sigmoid" => r * (1 - r),
        "log_sigmoid" => Sigmoid(-a),
        "softplus" => Sigmoid(a),
        "relu" => a > 0 ? 1 : 0,
        "tanh" => 1 - r * r,
        "log_cosh" => Math.Tanh(a),
        "hinge" => a <= 1 ? -1 : 0, // torch.clamp_min(1 - a, 0): the gradient passes at the kink
        "stirling" => a > 1 ? Math.Log(a) + 0.5 / a : 0,
        _ => throw new NotSupportedException(fn),
    };

    /// <summary>Whether the comparison of a where call (<see cref="Tree.Comparison"/>) holds; NaN compares false but for !=.</summary>
    private static bool Holds(string where, double l, double r) => Tree.Comparison(where) switch
    {
        "<" => l < r,
        "<=" => l <= r,
        ">" => l > r,
        ">=" => l >= r,
        "==" => l == r,
        _ => l != r,
    };

    private static double Bce(double p, double y) => -(y * Math.Max(Math.Log(p), -100) + (1 - y) * Math.Max(Math.Log(1 - p), -100));

    private static double LogSumExp(double[] e)
    {
        double m = e.Max();
        if (double.IsInfinity(m))
        {
            m = 0;
        }

        double s = 0;
        foreach (double v in e)
        {
            s += Math.Exp(v - m);
        }

        return m + Math.Log(s);
    }

    private bool Leaf(int instruction) => _code[instruction].Kind is K.X or K.Y or K.W or K.Const or K.Hyper or K.OneHot;

    /// <summary>
    /// Records how close a value is to a kink. Finite differences need room around every kink; the comparison with the
    /// oracle only where the kink's arguments are computed (rounding may put them on either side), not where they are
    /// inputs or constants: there both sides see the same numbers, and the conventions at the kink are compared too.
    /// </summary>
    private void Kink(Row row, Ins ins, double margin)
    {
        row.Kink = Math.Min(row.Kink, margin);
        if (!ins.Args.All(Leaf))
        {
            row.Ambiguous = Math.Min(row.Ambiguous, margin);
        }
    }

    private static double Rel(double gap, params double[] values) => Math.Abs(gap) / Math.Max(1, values.Length == 0 ? 0 : values.Max(Math.Abs));

    /// <summary>Evaluates one position: <paramref name="xs"/>, <paramref name="ys"/> are its classes (one value when flat).</summary>
    private Row Forward(double[] xs, double[] ys, double[] w, int target, double[] hyper, int classes)
    {
        var row = new Row { V = new double[_code.Count][], A = new double[_code.Count][] };
        for (int i = 0; i < _code.Count; i++)
        {
            Ins ins = _code[i];
            int n = ins.ClassShaped ? classes : 1;
            var v = new double[n];
            double[] Arg(int k) => row.V[ins.Args[k]];
            double At(int k, int j) => Arg(k).Length == 1 ? Arg(k)[0] : Arg(k)[j];
            for (int j = 0; j < n; j++)
            {
                switch (ins.Kind)
                {
                    case K.Const: v[j] = ins.Value; break;
                    case K.X: v[j] = xs[j]; break;
                    case K.Y: v[j] = ys[j]; break;
                    case K.W: v[j] = w[j]; break;
                    case K.OneHot: v[j] = j == target ? 1 : 0; break;
                    case K.Hyper: v[j] = hyper[ins.Hyper]; break;
                    case K.Neg: v[j] = -At(0, j); break;
                    case K.Add: v[j] = At(0, j) + At(1, j); break;
                    case K.Sub: v[j] = At(0, j) - At(1, j); break;
                    case K.Mul: v[j] = At(0, j) * At(1, j); break;
                    case K.Div:
                        v[j] = At(0, j) / At(1, j);
                        row.Singular = Math.Min(row.Singular, Math.Abs(At(1, j)));
                        break;
                    case K.Pow:
                    {
                        double a = At(0, j), b = At(1, j);
                        v[j] = Math.Pow(a, b);
                        if (b != Math.Round(b) || b < 1)
                        {
                            row.Singular = Math.Min(row.Singular, Math.Abs(a));
                        }

                        break;
                    }

                    case K.Fn1:
                    {
                        double a = At(0, j);
                        v[j] = Fn1(ins.Fn, a);
                        switch (ins.Fn)
                        {
                            case "abs" or "relu": Kink(row, ins, Rel(a)); break;
                            case "hinge": Kink(row, ins, Rel(a - 1, a)); break;
                            case "stirling": Kink(row, ins, Rel(a - 1, a)); row.Singular = Math.Min(row.Singular, Math.Abs(a)); break;
                            case "log" or "sqrt": row.Singular = Math.Min(row.Singular, Math.Abs(a)); break;
                            case "log1p": row.Singular = Math.Min(row.Singular, Math.Abs(1 + a)); break;
                        }

                        break;
                    }

                    case K.Min2:
                    case K.Max2:
                    {
                        double a = At(0, j), b = At(1, j);
                        v[j] = ins.Kind == K.Min2 ? Math.Min(a, b) : Math.Max(a, b);
                        Kink(row, ins, Rel(a - b, a, b));
                        break;
                    }

                    case K.XLogY:
                    {
                        double a = At(0, j), b = At(1, j);
                        v[j] = a == 0 && !double.IsNaN(b) ? 0 : a * Math.Log(b);
                        row.Singular = Math.Min(row.Singular, Math.Abs(b));
                        Kink(row, ins, Rel(a)); // torch.xlogy: no gradient in a where a == 0
                        break;
                    }

                    case K.Bce:
                    {
                        double p = At(0, j);
                        v[j] = Bce(p, At(1, j));
                        row.Singular = Math.Min(row.Singular, Math.Min(Math.Abs(p), Math.Abs(1 - p)));
                        break;
                    }

                    case K.Where:
                    {
                        // where(l op r, a, b): a jump in value and gradient where l meets r.
                        double l = At(0, j), r = At(1, j);
                        v[j] = Holds(ins.Fn, l, r) ? At(2, j) : At(3, j);
                        Kink(row, ins, Rel(l - r, l, r));
                        break;
                    }

                    case K.Clamp:
                    {
                        double a = At(0, j), lo = At(1, j), hi = At(2, j);
                        v[j] = Math.Min(Math.Max(a, lo), hi);
                        Kink(row, ins, Math.Min(Rel(a - lo, a, lo), Math.Min(Rel(a - hi, a, hi), Rel(lo - hi, lo, hi))));
                        break;
                    }

                    case K.Softmax:
                        v[j] = Math.Exp(Arg(0)[j] - LogSumExp(Arg(0)));
                        break;
                    case K.LogSoftmax:
                        v[j] = Arg(0)[j] - LogSumExp(Arg(0));
                        break;
                    case K.LogSumExp: v[j] = LogSumExp(Arg(0)); break;
                    case K.Sum: v[j] = Arg(0).Sum(); break;
                    case K.Mean: v[j] = Arg(0).Sum() / classes; break;
                    case K.Norm:
                    {
                        // (sum |e|^p)^(1/p); the sum of abs is kinked where an entry is 0, every norm singular at 0.
                        double[] e = Arg(0);
                        double p = NormP(ins, row);
                        v[j] = p == 2 ? Math.Sqrt(e.Sum(q => q * q)) : p == 1 ? e.Sum(Math.Abs) : Math.Pow(e.Sum(q => Math.Pow(Math.Abs(q), p)), 1 / p);
                        if (p == 1)
                        {
                            Kink(row, ins, e.Min(q => Rel(q, q)));
                        }

                        row.Singular = Math.Min(row.Singular, v[j]);
                        break;
                    }

                    case K.MaxR:
                    case K.MinR:
                    {
                        double[] e = Arg(0);
                        v[j] = ins.Kind == K.MaxR ? e.Max() : e.Min();
                        if (e.Length > 1)
                        {
                            double[] sorted = e.OrderBy(q => q).ToArray();
                            double gap = ins.Kind == K.MaxR ? sorted[^1] - sorted[^2] : sorted[1] - sorted[0];
                            Kink(row, ins, Rel(gap, sorted[0], sorted[^1]));
                        }

                        break;
                    }

                    case K.Pick: v[j] = Arg(0)[target]; break;
                }

                row.Scale = Math.Max(row.Scale, Math.Abs(v[j]));
            }

            row.V[i] = v;
        }

        return row;
    }

    /// <summary>The p of a norm call: its constant second argument, or 2.</summary>
    private static double NormP(Ins ins, Row row) => ins.Args.Length == 2 ? row.V[ins.Args[1]][0] : 2;

    /// <summary>Reverse mode from the body, whose adjoint is <paramref name="seed"/> (one value, or one per class).</summary>
    private void Backward(Row row, double[] seed, int target, int classes)
    {
        for (int i = 0; i < _code.Count; i++)
        {
            row.A[i] = new double[row.V[i].Length];
        }

        for (int j = 0; j < seed.Length; j++)
        {
            row.A[_body][seed.Length == 1 ? 0 : j] += seed[j];
        }

        for (int i = _code.Count - 1; i >= 0; i--)
        {
            Ins ins = _code[i];
            double[] g = row.A[i];
            double[] r = row.V[i];
            if (g.All(v => v == 0))
            {
                continue;
            }

            double At(int k, int j) => row.V[ins.Args[k]].Length == 1 ? row.V[ins.Args[k]][0] : row.V[ins.Args[k]][j];
            void Add(int k, int j, double d)
            {
                double[] target = row.A[ins.Args[k]];
                target[target.Length == 1 ? 0 : j] += d; // a broadcast argument sums over the classes
            }

            double[] e = ins.Args.Length > 0 ? row.V[ins.Args[0]] : Array.Empty<double>();
            switch (ins.Kind)
            {
                case K.Softmax:
                {
                    double dot = 0;
                    for (int j = 0; j < r.Length; j++) dot += g[j] * r[j];
                    for (int j = 0; j < r.Length; j++) Add(0, j, r[j] * (g[j] - dot));
                    continue;
                }

                case K.LogSoftmax:
                {
                    double total = g.Sum();
                    for (int j = 0; j < r.Length; j++) Add(0, j, g[j] - Math.Exp(r[j]) * total);
                    continue;
                }

                case K.LogSumExp:
                    for (int j = 0; j < e.Length; j++) Add(0, j, g[0] * (double.IsNegativeInfinity(e[j]) ? 0 : Math.Exp(e[j] - r[0])));
                    continue;
                case K.Sum:
                    for (int j = 0; j < e.Length; j++) Add(0, j, g[0]);
                    continue;
                case K.Mean:
                    for (int j = 0; j < e.Length; j++) Add(0, j, g[0] / classes);
                    continue;
                case K.Norm:
                {
                    // As torch.linalg.vector_norm: sign(e) |e|^(p-1) / norm^(p-1), and 0 where the norm is 0.
                    double p = NormP(ins, row);
                    for (int j = 0; j < e.Length; j++)
                    {
                        Add(0, j, r[0] == 0 ? 0 : g[0] * Math.Sign(e[j]) * Math.Pow(Math.Abs(e[j]), p - 1) / Math.Pow(r[0], p - 1));
                    }

                    continue;
                }
                case K.MaxR:
                case K.MinR:
                {
                    int ties = e.Count(q => q == r[0]);
                    for (int j = 0; j < e.Length; j++) Add(0, j, e[j] == r[0] ? g[0] / ties : 0);
                    continue;
                }

                case K.Pick:
                    Add(0, target, g[0]);
                    continue;
            }

            for (int j = 0; j < g.Length; j++)
            {
                double gj = g[j];
                if (gj == 0)
                {
                    continue;
                }

                switch (ins.Kind)
                {
                    case K.Neg: Add(0, j, -gj); break;
                    case K.Add: Add(0, j, gj); Add(1, j, gj); break;
                    case K.Sub: Add(0, j, gj); Add(1, j, -gj); break;
                    case K.Mul: Add(0, j, gj * At(1, j)); Add(1, j, gj * At(0, j)); break;
                    case K.Div: Add(0, j, gj / At(1, j)); Add(1, j, -gj * At(0, j) / (At(1, j) * At(1, j))); break;
                    case K.Pow:
                    {
                        double a = At(0, j), b = At(1, j);
                        Add(0, j, b == 0 ? 0 : gj * b * Math.Pow(a, b - 1));
                        Add(1, j, a == 0 && b >= 0 ? 0 : gj * r[j] * Math.Log(a));
                        break;
                    }

                    case K.Fn1: Add(0, j, gj * Fn1Derivative(ins.Fn, At(0, j), r[j])); break;
                    case K.Min2:
                    case K.Max2:
                    {
                        double a = At(0, j), b = At(1, j);
                        double shareA = a == b ? 0.5 : (ins.Kind == K.Min2 ? a < b : a > b) ? 1 : 0;
                        Add(0, j, gj * shareA);
                        Add(1, j, gj * (1 - shareA));
                        break;
                    }

                    case K.XLogY:
                    {
                        double a = At(0, j), b = At(1, j);
                        Add(0, j, a == 0 ? 0 : gj * Math.Log(b));
                        Add(1, j, gj * a / b);
                        break;
                    }

                    case K.Bce:
                    {
                        double p = At(0, j), y = At(1, j);
                        Add(0, j, gj * (p - y) / Math.Max(p * (1 - p), 1e-12));
                        Add(1, j, gj * (Math.Max(Math.Log(1 - p), -100) - Math.Max(Math.Log(p), -100)));
                        break;
                    }

                    case K.Where:
                    {
                        // torch.where: the branch taken gets the gradient, the other and the comparison nothing.
                        bool holds = Holds(ins.Fn, At(0, j), At(1, j));
                        Add(2, j, holds ? gj : 0);
                        Add(3, j, holds ? 0 : gj);
                        break;
                    }

                    case K.Clamp:
                    {
                        // torch.clamp: a passes inside [lo, hi] (bounds included); lo gets it where a < lo < hi;
                        // hi where a > hi or where the bounds cross (the result is then hi).
                        double a = At(0, j), lo = At(1, j), hi = At(2, j);
                        Add(0, j, lo <= a && a <= hi ? gj : 0);
                        Add(1, j, a < lo && lo < hi ? gj : 0);
                        Add(2, j, a > hi || hi < lo ? gj : 0);
                        break;
                    }
                }
            }
        }

        foreach (double[] adjoint in row.A)
        {
            foreach (double v in adjoint)
            {
                row.GradScale = Math.Max(row.GradScale, Math.Abs(v));
            }
        }
    }

    /// <summary>
    /// Evaluates a call the way docs/dsl.md specifies it: per position, then the reduction; gradients for the given
    /// upstream gradient (<paramref name="sample"/>'s scalar dloss when reduced, its per-value dloss otherwise).
    /// </summary>
    public Expected Evaluate(PropertyCase c, Sample sample)
    {
        Layout layout = c.Layout;
        int classes = layout.Classes;
        int[][] offsets = layout.Offsets();
        bool elementwise = _code[_body].ClassShaped;
        bool ignoreActive = c.IgnoreIndex is not null && c.UsesTarget;
        var dx = new double[sample.X.Length];
        var dy = new double[sample.X.Length];
        var loss = new double[elementwise ? sample.X.Length : offsets.Length];
        var rows = new Row?[offsets.Length];
        double kink = double.PositiveInfinity, ambiguous = double.PositiveInfinity, singular = double.PositiveInfinity, scale = 0, gradScale = 0;

        double denominator = 0, total = 0;
        for (int p = 0; p < offsets.Length; p++)
        {
            int target = c.UsesTarget ? sample.T[p] : 0;
            if (ignoreActive && target == c.IgnoreIndex)
            {
                continue;
            }

            double[] xs = offsets[p].Select(o => sample.X[o]).ToArray();
            double[] ys = offsets[p].Select(o => sample.Y[o]).ToArray();
            Row row = Forward(xs, ys, sample.W, target, sample.HyperValues, classes);
            rows[p] = row;
            double[] value = row.V[_body];
            if (elementwise)
            {
                for (int j = 0; j < offsets[p].Length; j++)
                {
                    double v = value.Length == 1 ? value[0] : value[j];
                    loss[offsets[p][j]] = v;
                    total += v;
                }

                denominator += offsets[p].Length;
            }
            else
            {
                loss[p] = value[0];
                total += value[0];
                denominator += _weight >= 0 ? row.V[_weight][0] : 1;
            }
        }

        double reduced = c.Reduction switch
        {
            0 => double.NaN,
            1 => total / denominator,
            2 => total,
            _ => total / (layout.XShape.Length == 0 ? 1 : layout.XShape[0]),
        };
        double seedScale = c.Reduction switch
        {
            1 => denominator == 0 ? 0 : sample.DLossScalar / denominator,
            2 => sample.DLossScalar,
            3 => sample.DLossScalar / (layout.XShape.Length == 0 ? 1 : layout.XShape[0]),
            _ => double.NaN,
        };

        for (int p = 0; p < offsets.Length; p++)
        {
            Row? row = rows[p];
            if (row is null)
            {
                continue;
            }

            int target = c.UsesTarget ? sample.T[p] : 0;
            double[] seed = elementwise
                ? offsets[p].Select(o => c.Reduction == 0 ? sample.DLoss[o] : seedScale).ToArray()
                : new[] { c.Reduction == 0 ? sample.DLoss[p] : seedScale };
            Backward(row, seed, target, classes);
            for (int k = 0; k < _code.Count; k++)
            {
                double[] a = row.A[k];
                if (_code[k].Kind == K.X)
                {
                    for (int j = 0; j < offsets[p].Length; j++) dx[offsets[p][j]] += a[j];
                }
                else if (_code[k].Kind == K.Y)
                {
                    for (int j = 0; j < offsets[p].Length; j++) dy[offsets[p][j]] += a[j];
                }
            }

            kink = Math.Min(kink, row.Kink);
            ambiguous = Math.Min(ambiguous, row.Ambiguous);
            singular = Math.Min(singular, row.Singular);
            scale = Math.Max(scale, row.Scale);
            gradScale = Math.Max(gradScale, row.GradScale);
        }

        bool finite = (c.Reduction == 0 || !double.IsInfinity(reduced)) && loss.All(double.IsFinite) && dx.All(double.IsFinite) && dy.All(double.IsFinite)
            && rows.All(r => r is null || r.V.All(v => v.All(double.IsFinite)));
        return new Expected(reduced, loss, dx, dy, Math.Max(scale, Math.Abs(double.IsNaN(reduced) ? 0 : reduced)), gradScale, kink, singular, finite, ambiguous);
    }
}
