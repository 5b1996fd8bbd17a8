// The training-step row's bridge column. Compiled only when bridge/LossGen.TorchSharp is in the tree (the csproj
// then defines LOSSGEN_TORCH_BRIDGE and references it; -p:TorchBridge=false turns it off).
//
// When the bridge lands, BridgeLoss below is the one place to adapt to its API: it must return the mean class-index
// cross entropy of `logits` against `target` (int64 class indices) as a scalar tensor whose backward() writes
// logits' gradient, computed by a LossGen kernel (LossGen.Bench.CrossEntropy, declared in bench/Shared/BenchLosses.cs).
#if LOSSGEN_TORCH_BRIDGE
using LossGen.TorchSharp;
using static TorchSharp.torch;

namespace LossGen.Bench;

internal sealed partial class TrainingStep
{
    static partial void BridgeProbe(ref bool available) => available = true;

    private static Tensor BridgeLoss(Tensor logits, Tensor target) =>
        TorchLoss.Apply<CrossEntropy>(logits, target);
}
#endif
