using System.ComponentModel;
using System.Runtime.Intrinsics;

namespace LossGen.Internal;

/// <summary>
/// The vector forms (one <see cref="Vector256{T}"/> of classes at a time) of the language's functions that
/// <see cref="Vector256"/> does not provide, with the same conventions as <see cref="Ops"/>. Used by generated kernels.
/// The helpers are written once, in VectorOps.Width.template, and rendered at each width into VectorOps.Vector256.cs and
/// VectorOps.Vector512.cs (a test keeps them equal to the rendering); the methods without a vector parameter carry the
/// width in their name above 256 bits. The helpers that move lanes to and from memory (rows in
/// lanes) are in VectorOps.Lanes.cs, written for each width.
/// </summary>
[EditorBrowsable(EditorBrowsableState.Never)]
public static partial class VectorOps
{
}
