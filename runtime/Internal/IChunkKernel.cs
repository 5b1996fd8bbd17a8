using System.ComponentModel;

namespace LossGen.Internal;

/// <summary>
/// A generated kernel body for <see cref="Chunks"/>.Run: a struct holding everything but the tensor memory, which it
/// reaches through the <see cref="Pinned"/> refs. Every chunk runs on its own copy of the struct, possibly on another
/// thread, concurrently with other chunks; chunks must write disjoint memory.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public interface IChunkKernel
{
    /// <summary>
    /// Runs positions [<paramref name="start"/>, <paramref name="end"/>) and returns the chunk's partial total
    /// (0 when the kernel sums nothing). The result must depend only on the positions and the data, never on the thread.
    /// </summary>
    /// <param name="start">The first position of the chunk (a multiple of 16).</param>
    /// <param name="end">One past the last position of the chunk (a multiple of 16, or the total number of positions).</param>
    /// <param name="pinned">The memory passed to Run, pinned for the call.</param>
    double Run(nint start, nint end, in Pinned pinned);
}
