using System;
using System.Globalization;
using System.Threading;

namespace LossGen;

/// <summary>
/// How many threads LossGen's kernels may use. Large kernel calls are split into chunks that depend only on the size of
/// the work (never on the thread count) and whose partial totals are added in chunk order, so results are the same bit
/// for bit whatever <see cref="MaxThreads"/> is.
/// </summary>
public static class Parallelism
{
    /// <summary>The environment variable read (once) for the default of <see cref="MaxThreads"/>.</summary>
    private const string EnvironmentVariable = "LOSSGEN_MAX_THREADS";

    private static int s_maxThreads = DefaultMaxThreads();

    /// <summary>
    /// The most threads one kernel call uses, the caller's included. Default: <see cref="Environment.ProcessorCount"/>, or
    /// the value of the environment variable <c>LOSSGEN_MAX_THREADS</c> when that is a positive integer (read once, when
    /// LossGen first needs it). 1 runs everything on the calling thread. Results do not depend on it (bit for bit); only
    /// the speed does. Calls already in flight keep the value they started with.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value set is less than 1.</exception>
    public static int MaxThreads
    {
        get => Volatile.Read(ref s_maxThreads);
        set
        {
            if (value < 1)
            {
                throw new ArgumentOutOfRangeException(nameof(value), value,
                    $"Expected MaxThreads in [1, {int.MaxValue}] (1 runs kernels on the calling thread only), got {value}.");
            }

            Volatile.Write(ref s_maxThreads, value);
        }
    }

    private static long s_idleSpinTicks = TimeSpan.FromMicroseconds(200).Ticks;

    /// <summary>
    /// How long a worker thread that finished its part of a call keeps polling for the next call before it sleeps.
    /// Default 200 microseconds: back-to-back calls (a training loop) then find the workers awake instead of paying
    /// the operating system's wake-up latency. <see cref="TimeSpan.Zero"/> makes workers sleep at once, which is
    /// kinder to other thread pools sharing the cores (libtorch's OpenMP threads, say) at the cost of a wake-up per call.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value set is negative or longer than one second.</exception>
    public static TimeSpan IdleSpin
    {
        get => TimeSpan.FromTicks(Volatile.Read(ref s_idleSpinTicks));
        set
        {
            if (value < TimeSpan.Zero || value > TimeSpan.FromSeconds(1))
            {
                throw new ArgumentOutOfRangeException(nameof(value), value,
                    $"Expected IdleSpin in [0, 1 s], got {value.TotalMilliseconds.ToString(CultureInfo.InvariantCulture)} ms.");
            }

            Volatile.Write(ref s_idleSpinTicks, value.Ticks);
        }
    }

    private static int DefaultMaxThreads()
    {
        string? text = Environment.GetEnvironmentVariable(EnvironmentVariable);
        if (text is not null
            && int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out int value)
            && value >= 1)
        {
            return value;
        }

        return Math.Max(1, Environment.ProcessorCount);
    }
}
