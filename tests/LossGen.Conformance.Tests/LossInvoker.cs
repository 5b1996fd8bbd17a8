using System;
using System.Collections.Concurrent;
using System.Collections.Generic;
using System.Linq;
using System.Numerics.Tensors;
using System.Reflection;
using System.Reflection.Emit;

namespace LossGen.Conformance.Tests;

public enum Op { Forward, Backward, ForwardBackward }

/// <summary>Every argument a generated method can take. <see cref="LossInvoker"/> passes the ones a method names.</summary>
public ref struct LossArgs<T>
{
    public ReadOnlyTensorSpan<T> X, Y, W, PosWeight;
    public ReadOnlyTensorSpan<int> Targets;
    public ReadOnlyTensorSpan<long> LongTargets;
    public TensorSpan<T> Dx, Dy, Loss;
    /// <summary>The upstream gradient of a reduced loss (<c>T dloss</c>).</summary>
    public T Dloss;
    /// <summary>The upstream gradient of an unreduced loss (<c>ReadOnlyTensorSpan&lt;T&gt; dloss</c>).</summary>
    public ReadOnlyTensorSpan<T> DlossTensor;
    /// <summary>Hyper-parameter values, in the order of <see cref="BoundLoss{T}.HyperNames"/>.</summary>
    public T[] Hyper;
}

/// <summary>Calls one generated method; returns its result, or default for a void method.</summary>
public delegate T LossCall<T>(ref LossArgs<T> args);

/// <summary>Which overload of docs/getting-started.md to call.</summary>
public sealed record CallShape(Op Op, bool Reduced, bool ClassIndex, bool Weighted, bool WithDy = false, bool LongTargets = false, bool PosWeighted = false)
{
    public override string ToString() =>
        $"{Op}({(WithDy ? "dx, dy" : Op == Op.Forward ? "" : "dx")}){(LongTargets ? " [long t]" : "")}";
}

public sealed record BoundLoss<T>(LossCall<T> Call, string[] HyperNames, MethodInfo Method);

/// <summary>
/// Binds the generated static methods of a loss class to a <see cref="LossCall{T}"/>. The generated
/// classes are static (they cannot be type arguments or implement an interface) and their methods take
/// ref structs (no MethodInfo.Invoke), so a small DynamicMethod loads each argument from
/// <see cref="LossArgs{T}"/> by parameter name. Before binding, the overload is checked against docs/getting-started.md:
/// parameter names, types and order, the return type, <c>T dloss = 1</c>, and the hyper-parameters
/// (optional, type T, declared order and defaults).
/// </summary>
public static class LossInvoker
{
    private static readonly ConcurrentDictionary<(Type Loss, CallShape Shape, Type T), object> s_cache = new();

    public static BoundLoss<T> Bind<T>(Type loss, CallShape shape) =>
        (BoundLoss<T>)s_cache.GetOrAdd((loss, shape, typeof(T)), key => Create<T>(key.Loss, key.Shape));

    /// <summary>The parameters docs/getting-started.md prescribes before the hyper-parameters, and the return type.</summary>
    public static (List<(string Name, Type Type)> Parameters, Type Return) Expected<T>(CallShape s)
    {
        Type ro = typeof(ReadOnlyTensorSpan<T>), rw = typeof(TensorSpan<T>);
        var p = new List<(string, Type)> { ("x", ro) };
        p.Add(!s.ClassIndex ? ("y", ro)
            : s.LongTargets ? ("t", typeof(ReadOnlyTensorSpan<long>))
            : ("t", typeof(ReadOnlyTensorSpan<int>)));
        if (s.Weighted)
            p.Add(("w", ro));
        if (s.PosWeighted)
            p.Add(("posWeight", ro));
        (string, Type)[] grads = s.WithDy ? [("dx", rw), ("dy", rw)] : [("dx", rw)];
        if (s.Reduced)
        {
            if (s.Op != Op.Forward)
                p.AddRange([.. grads, ("dloss", typeof(T))]);
        }
        else
        {
            if (s.Op != Op.Backward)
                p.Add(("loss", rw));
            if (s.Op != Op.Forward)
                p.AddRange([("dloss", ro), .. grads]);
        }
        return (p, s.Reduced && s.Op != Op.Backward ? typeof(T) : typeof(void));
    }

    private static BoundLoss<T> Create<T>(Type loss, CallShape shape)
    {
        var (expected, returns) = Expected<T>(shape);
        LossParameterAttribute[] declared = loss.GetCustomAttributes<LossParameterAttribute>().ToArray();
        string wanted = $"{shape.Op}({string.Join(", ", expected
            .Select(p => $"{Display(p.Type)} {p.Name}{(p.Type == typeof(T) ? " = 1" : "")}")
            .Concat(declared.Select(d => $"{typeof(T).Name} {d.Name} = {d.DefaultValue}")))})";

        // Overloads whose leading parameter types are the expected ones and whose remaining ones are all T.
        MethodInfo[] candidates = loss.GetMethods(BindingFlags.Public | BindingFlags.Static)
            .Where(m => m.Name == shape.Op.ToString())
            .Select(m => Close<T>(m))
            .OfType<MethodInfo>()
            .Where(m =>
            {
                ParameterInfo[] ps = m.GetParameters();
                return ps.Length >= expected.Count
                    && expected.Select((e, i) => ps[i].ParameterType == e.Type).All(ok => ok)
                    && ps.Skip(expected.Count).All(p => p.ParameterType == typeof(T));
            })
            .ToArray();
        if (candidates.Length != 1)
            throw new InvalidOperationException(
                $"{loss.FullName}: expected exactly one overload {wanted} for {typeof(T).Name}, found {candidates.Length}. " +
                $"Public static methods:\n  {string.Join("\n  ", loss.GetMethods(BindingFlags.Public | BindingFlags.Static).Where(m => m.DeclaringType == loss).Select(Display))}");

        MethodInfo method = candidates[0];
        ParameterInfo[] parameters = method.GetParameters();
        var problems = new List<string>();
        for (int i = 0; i < expected.Count; i++)
            if (parameters[i].Name != expected[i].Name)
                problems.Add($"parameter {i} is named '{parameters[i].Name}', docs/getting-started.md says '{expected[i].Name}'");
        if (method.ReturnType != returns)
            problems.Add($"returns {Display(method.ReturnType)}, docs/getting-started.md says {Display(returns)}");
        if (shape.Reduced && shape.Op != Op.Forward)
        {
            ParameterInfo dloss = parameters[expected.Count - 1];
            if (!dloss.HasDefaultValue || Convert.ToDouble(dloss.DefaultValue) != 1.0)
                problems.Add("'dloss' must be optional with default 1");
        }
        string[] hyper = parameters.Skip(expected.Count).Select(p => p.Name!).ToArray();
        if (!hyper.SequenceEqual(declared.Select(d => d.Name)))
            problems.Add($"hyper-parameters are ({string.Join(", ", hyper)}), declared ({string.Join(", ", declared.Select(d => d.Name))})");
        foreach (var (p, d) in parameters.Skip(expected.Count).Zip(declared))
        {
            double want = typeof(T) == typeof(float) ? (float)d.DefaultValue : d.DefaultValue;
            if (!p.HasDefaultValue || p.DefaultValue is null || Convert.ToDouble(p.DefaultValue) != want)
                problems.Add($"hyper-parameter '{p.Name}' must be optional with default {d.DefaultValue}, has {(p.HasDefaultValue ? p.DefaultValue ?? "null" : "none")}");
        }
        if (problems.Count > 0)
            throw new InvalidOperationException($"{loss.FullName}.{Display(method)} does not match docs/getting-started.md ({wanted}):\n  {string.Join("\n  ", problems)}");

        return new BoundLoss<T>(Emit<T>(loss, method, shape, hyper), hyper, method);
    }

    /// <summary>A generic method definition is accepted too, closed over T.</summary>
    private static MethodInfo? Close<T>(MethodInfo m)
    {
        if (!m.IsGenericMethodDefinition)
            return m;
        if (m.GetGenericArguments().Length != 1)
            return null;
        try { return m.MakeGenericMethod(typeof(T)); }
        catch (ArgumentException) { return null; }
    }

    private static LossCall<T> Emit<T>(Type loss, MethodInfo method, CallShape shape, string[] hyper)
    {
        Type args = typeof(LossArgs<T>);
        FieldInfo Field(string name) => args.GetField(name)!;
        var dm = new DynamicMethod($"{loss.Name}.{method.Name}", typeof(T), [args.MakeByRefType()], typeof(LossInvoker).Module, skipVisibility: true);
        ILGenerator il = dm.GetILGenerator();
        foreach (ParameterInfo p in method.GetParameters())
        {
            il.Emit(OpCodes.Ldarg_0);
            int h = Array.IndexOf(hyper, p.Name);
            if (h >= 0)
            {
                il.Emit(OpCodes.Ldfld, Field(nameof(LossArgs<T>.Hyper)));
                il.Emit(OpCodes.Ldc_I4, h);
                il.Emit(OpCodes.Ldelem, typeof(T));
                continue;
            }
            il.Emit(OpCodes.Ldfld, Field(p.Name switch
            {
                "x" => nameof(LossArgs<T>.X),
                "y" => nameof(LossArgs<T>.Y),
                "w" => nameof(LossArgs<T>.W),
                "posWeight" => nameof(LossArgs<T>.PosWeight),
                "t" => shape.LongTargets ? nameof(LossArgs<T>.LongTargets) : nameof(LossArgs<T>.Targets),
                "dx" => nameof(LossArgs<T>.Dx),
                "dy" => nameof(LossArgs<T>.Dy),
                "loss" => nameof(LossArgs<T>.Loss),
                "dloss" => shape.Reduced ? nameof(LossArgs<T>.Dloss) : nameof(LossArgs<T>.DlossTensor),
                var other => throw new InvalidOperationException($"unexpected parameter '{other}'"),
            }));
        }
        il.Emit(OpCodes.Call, method);
        if (method.ReturnType == typeof(void))
            il.Emit(OpCodes.Ldloc, il.DeclareLocal(typeof(T)));
        il.Emit(OpCodes.Ret);
        return dm.CreateDelegate<LossCall<T>>();
    }

    private static string Display(Type t) => t.IsGenericType
        ? $"{t.Name[..t.Name.IndexOf('`')]}<{string.Join(", ", t.GetGenericArguments().Select(Display))}>"
        : t == typeof(void) ? "void" : t.Name;

    private static string Display(MethodInfo m) =>
        $"{Display(m.ReturnType)} {m.Name}({string.Join(", ", m.GetParameters().Select(p => $"{Display(p.ParameterType)} {p.Name}{(p.HasDefaultValue ? $" = {p.DefaultValue}" : "")}"))})";
}
