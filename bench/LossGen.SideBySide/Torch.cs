using System;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LossGen.Bench;

/// <summary>libtorch through TorchSharp: loading, threads, and the reference cross entropy.</summary>
internal static class TorchEnv
{
    [System.Runtime.InteropServices.DllImport("libc", EntryPoint = "setenv")]
    private static extern int SetEnv(string name, string value, int overwrite);

    /// <summary>
    /// The interleaved rounds give each column the machine in turn. libgomp's idle threads spin for milliseconds
    /// after a parallel region (GOMP_SPINCOUNT), long enough to hold a core through the next column's whole turn, so
    /// libtorch runs with OMP_WAIT_POLICY=PASSIVE: its threads sleep between its calls (a wake-up of tens of
    /// microseconds on calls of milliseconds). LossGen's workers keep their default, a 200 µs spin
    /// (<see cref="Parallelism.IdleSpin"/>), which the untimed first call of the next turn absorbs.
    /// Must run before libtorch starts its threads; the native environment is what libgomp reads.
    /// </summary>
    public static void Quiet()
    {
        if (OperatingSystem.IsLinux() && Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") is null)
        {
            SetEnv("OMP_WAIT_POLICY", "PASSIVE", 0);
        }
    }

    /// <summary>Loads libtorch and sets its intra-op threads; on failure explains the usual cause and exits.</summary>
    public static void Load(int threads)
    {
        Quiet();
        try
        {
            torch.set_num_threads(threads);
        }
        catch (Exception e) when (e is DllNotFoundException or TypeInitializationException or NotSupportedException or BadImageFormatException)
        {
            Console.Error.WriteLine($"""
                libtorch (TorchSharp-cpu 0.107) did not load: {e.GetBaseException().Message}
                On Debian 12 TorchSharp's libLibTorchSharp.so needs a libstdc++ symbol the system lacks. The build runs
                eng/torchsharp-debian12.sh after it (when that script is in the tree) to patch the NuGet cache and the
                copy in bin/; run it by hand (bash eng/torchsharp-debian12.sh) and build again.
                """);
            Environment.Exit(3);
        }
    }

    public static string Version
    {
        get
        {
            try { return torch.__version__; } catch { return "unknown"; }
        }
    }
}

/// <summary>One libtorch forward+backward: <c>cross_entropy(x, target)</c>, mean, then <c>backward()</c> into <c>x.grad</c>.</summary>
internal sealed class TorchCrossEntropy : IDisposable
{
    private readonly Tensor _x;
    private readonly Tensor _target;
    private readonly bool _keepGrad;

    /// <summary>Class indices (<paramref name="t"/>, int64 in libtorch) or, when <paramref name="y"/> is given, probabilities.</summary>
    public TorchCrossEntropy(int n, int c, float[] x, int[]? t, float[]? y, bool keepGrad = false)
    {
        _keepGrad = keepGrad;
        _x = torch.tensor(x, [n, c], requires_grad: true);
        _target = y is not null
            ? torch.tensor(y, [n, c])
            : torch.tensor(Array.ConvertAll(t!, v => (long)v), [n]);
    }

    /// <summary>
    /// The timed step. By default like a training loop after <c>zero_grad(set_to_none=True)</c> (PyTorch's
    /// default): the gradient starts as None, so backward writes a fresh tensor. With <c>keepGrad</c>, like
    /// <c>zero_grad(set_to_none=False)</c>: the kept gradient is zeroed and backward accumulates into it.
    /// Every intermediate tensor is freed at the end of the step.
    /// </summary>
    public void Step()
    {
        using var scope = torch.NewDisposeScope();
        ResetGrad();
        using var loss = F.cross_entropy(_x, _target);
        loss.backward();
    }

    /// <summary>The loss and <c>x.grad</c>, for the check.</summary>
    public (float Loss, float[] Dx) Result()
    {
        using var scope = torch.NewDisposeScope();
        ResetGrad();
        var loss = F.cross_entropy(_x, _target);
        loss.backward();
        return (loss.item<float>(), _x.grad!.data<float>().ToArray());
    }

    private void ResetGrad()
    {
        if (!_keepGrad)
        {
            _x.grad = null;
            return;
        }
        using var grad = _x.grad;
        grad?.zero_();
    }

    public void Dispose()
    {
        _x.Dispose();
        _target.Dispose();
    }
}
