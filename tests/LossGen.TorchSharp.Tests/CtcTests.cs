using System;
using System.Collections.Generic;
using System.Linq;
using Tensor = TorchSharp.torch.Tensor;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;
using TReduction = TorchSharp.torch.nn.Reduction;

namespace LossGen.TorchSharp.Tests;

/// <summary>
/// [CtcLoss] (docs/losses.md) against TorchSharp's F.ctc_loss on the same tensors, computed here: the loss and the
/// gradient with respect to the log-probabilities (autograd's), float32 and float64, padded and concatenated targets,
/// int and long lengths, one unbatched sequence, empty targets and inputs, 1000 time steps, zero_infinity, and bad input
/// rejected before anything is written.
/// </summary>
public class CtcTests
{
    public static IEnumerable<object[]> DTypes() => [[ScalarType.Float32], [ScalarType.Float64]];

    private const double Upstream = 2.5;

    /// <summary>A batch: log-probabilities [T, N, C], padded targets [N, S] in [1, C) (no blank), lengths.</summary>
    private static (Tensor Lp, Tensor Targets, Tensor InputLengths, Tensor TargetLengths) Batch(long time, long n, long classes, long width, ScalarType dtype, long blank = 0)
    {
        var lp = F.log_softmax(randn([time, n, classes], dtype: dtype) * 2, 2);
        var targets = randint(1, classes, [n, width], dtype: ScalarType.Int64);
        targets = where(targets == blank, tensor(blank == 1 ? 2L : 1L), targets);
        var targetLengths = randint(1, width + 1, [n], dtype: ScalarType.Int64);
        var inputLengths = randint(Math.Max(1, 2 * width + 1), time + 1, [n], dtype: ScalarType.Int64);
        inputLengths[0] = tensor(time);
        return (lp, targets, inputLengths, targetLengths);
    }

    private static void CheckCtc(ScalarType dtype, Tensor lp, Tensor targets, Tensor inputLengths, Tensor targetLengths, long blank, bool zeroInfinity, TReduction reduction,
        Func<NamedBuffers, double> forward, Func<NamedBuffers, double> forwardBackward, Action<NamedBuffers> backward)
    {
        using var scope = NewDisposeScope();
        // float32 is checked against the exact reference, libtorch's double computation on the same values: LossGen
        // computes in double whatever the element type (libtorch's float32 CTC drifts by about 1e-3 over 1000 steps).
        var leaf = lp.detach().to_type(ScalarType.Float64).requires_grad_(true);
        var expected = F.ctc_loss(leaf, targets, inputLengths, targetLengths, blank, zeroInfinity, reduction);
        (expected * Upstream).backward();
        var b = new NamedBuffers(dtype).Add("lp", lp).Add("targets", targets).Add("il", inputLengths).Add("tl", targetLengths).Zeros("dlp", lp);
        var expectedLoss = expected.detach().to_type(dtype);
        var expectedGrad = leaf.grad!.to_type(dtype);
        TorchAssert.Close(expectedLoss, tensor(forward(b), dtype: dtype), "Forward");
        TorchAssert.Close(expectedLoss, tensor(forwardBackward(b), dtype: dtype), "ForwardBackward loss");
        TorchAssert.Close(expectedGrad, b.Tensor("dlp"), "ForwardBackward dlogProbs");
        b.Zeros("dlp", lp);
        backward(b);
        TorchAssert.Close(expectedGrad, b.Tensor("dlp"), "Backward dlogProbs");
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Ctc_loss_matches_F_ctc_loss_with_padded_targets(ScalarType dtype)
    {
        manual_seed(61);
        foreach ((long time, long n, long classes, long width) in new[] { (30L, 4L, 6L, 8L), (12L, 1L, 3L, 4L), (50L, 7L, 20L, 10L) })
        {
            var (lp, targets, il, tl) = Batch(time, n, classes, width, dtype);
            if (dtype == ScalarType.Float32)
            {
                CheckCtc(dtype, lp, targets, il, tl, 0, false, TReduction.Mean,
                    b => Ctc.Forward(b.Ro<float>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl")),
                    b => Ctc.ForwardBackward(b.Ro<float>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<float>("dlp"), (float)Upstream),
                    b => Ctc.Backward(b.Ro<float>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<float>("dlp"), (float)Upstream));
            }
            else
            {
                CheckCtc(dtype, lp, targets, il, tl, 0, false, TReduction.Mean,
                    b => Ctc.Forward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl")),
                    b => Ctc.ForwardBackward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<double>("dlp"), Upstream),
                    b => Ctc.Backward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<double>("dlp"), Upstream));
            }
        }
    }

    [Fact]
    public void Ctc_loss_with_another_blank_summed_and_int_lengths_matches_F_ctc_loss()
    {
        manual_seed(62);
        var (lp, targets, il, tl) = Batch(25, 5, 7, 6, ScalarType.Float64, blank: 2);
        var il32 = il.to_type(ScalarType.Int32);
        var tl32 = tl.to_type(ScalarType.Int32);
        var t32 = targets.to_type(ScalarType.Int32);
        CheckCtc(ScalarType.Float64, lp, t32, il32, tl32, 2, false, TReduction.Sum,
            b => CtcBlank2Sum.Forward(b.Ro<double>("lp"), b.Ro<int>("targets"), b.Ro<int>("il"), b.Ro<int>("tl")),
            b => CtcBlank2Sum.ForwardBackward(b.Ro<double>("lp"), b.Ro<int>("targets"), b.Ro<int>("il"), b.Ro<int>("tl"), b.Rw<double>("dlp"), Upstream),
            b => CtcBlank2Sum.Backward(b.Ro<double>("lp"), b.Ro<int>("targets"), b.Ro<int>("il"), b.Ro<int>("tl"), b.Rw<double>("dlp"), Upstream));
    }

    [Theory, MemberData(nameof(DTypes))]
    public void Ctc_loss_with_concatenated_targets_matches_F_ctc_loss(ScalarType dtype)
    {
        manual_seed(63);
        var (lp, padded, il, tl) = Batch(40, 6, 9, 7, dtype);
        var pieces = Enumerable.Range(0, 6).Select(n => padded[n].slice(0, 0, tl[n].item<long>(), 1)).ToArray();
        var concatenated = cat(pieces, 0);
        if (dtype == ScalarType.Float32)
        {
            CheckCtc(dtype, lp, concatenated, il, tl, 0, false, TReduction.Mean,
                b => Ctc.Forward(b.Ro<float>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl")),
                b => Ctc.ForwardBackward(b.Ro<float>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<float>("dlp"), (float)Upstream),
                b => Ctc.Backward(b.Ro<float>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<float>("dlp"), (float)Upstream));
        }
        else
        {
            CheckCtc(dtype, lp, concatenated, il, tl, 0, false, TReduction.Mean,
                b => Ctc.Forward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl")),
                b => Ctc.ForwardBackward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<double>("dlp"), Upstream),
                b => Ctc.Backward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<double>("dlp"), Upstream));
        }
    }

    [Fact]
    public void Ctc_loss_of_one_unbatched_sequence_matches_F_ctc_loss()
    {
        manual_seed(64);
        var lp = F.log_softmax(randn([20, 5], dtype: ScalarType.Float64), 1);
        var targets = tensor(new long[] { 1, 2, 2, 4 });
        var il = tensor(new long[] { 20 });
        var tl = tensor(new long[] { 4 });
        CheckCtc(ScalarType.Float64, lp, targets, il, tl, 0, false, TReduction.Mean,
            b => Ctc.Forward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl")),
            b => Ctc.ForwardBackward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<double>("dlp"), Upstream),
            b => Ctc.Backward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<double>("dlp"), Upstream));
    }

    /// <summary>1000 time steps and 200 labels: the probabilities of the alignments underflow any float, their logs do not.</summary>
    [Theory, MemberData(nameof(DTypes))]
    public void Ctc_loss_over_1000_steps_does_not_underflow(ScalarType dtype)
    {
        manual_seed(65);
        var (lp, targets, il, tl) = Batch(1000, 2, 30, 200, dtype);
        il[1] = tensor(900L);
        tl[0] = tensor(200L);
        if (dtype == ScalarType.Float32)
        {
            CheckCtc(dtype, lp, targets, il, tl, 0, false, TReduction.Mean,
                b => Ctc.Forward(b.Ro<float>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl")),
                b => Ctc.ForwardBackward(b.Ro<float>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<float>("dlp"), (float)Upstream),
                b => Ctc.Backward(b.Ro<float>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<float>("dlp"), (float)Upstream));
        }
        else
        {
            CheckCtc(dtype, lp, targets, il, tl, 0, false, TReduction.Mean,
                b => Ctc.Forward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl")),
                b => Ctc.ForwardBackward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<double>("dlp"), Upstream),
                b => Ctc.Backward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<double>("dlp"), Upstream));
        }

        var values = new NamedBuffers(dtype).Add("lp", lp).Add("targets", targets).Add("il", il).Add("tl", tl);
        double loss = dtype == ScalarType.Float32
            ? Ctc.Forward(values.Ro<float>("lp"), values.Ro<long>("targets"), values.Ro<long>("il"), values.Ro<long>("tl"))
            : Ctc.Forward(values.Ro<double>("lp"), values.Ro<long>("targets"), values.Ro<long>("il"), values.Ro<long>("tl"));
        Assert.True(double.IsFinite(loss) && loss > 0, $"loss {loss}");
    }

    /// <summary>Empty targets, an empty input with an empty target, and the loss per sequence (Reduction.None).</summary>
    [Fact]
    public void Ctc_loss_with_empty_targets_and_inputs_matches_F_ctc_loss_per_sequence()
    {
        manual_seed(66);
        var lp = F.log_softmax(randn([10, 3, 4], dtype: ScalarType.Float64), 2);
        var targets = tensor(new long[,] { { 1, 2, 3 }, { 2, 2, 1 }, { 3, 1, 1 } });
        var il = tensor(new long[] { 10, 0, 7 });
        var tl = tensor(new long[] { 0, 0, 3 });
        var g = rand([3], dtype: ScalarType.Float64);
        using var leaf = lp.detach().clone().requires_grad_(true);
        var expected = F.ctc_loss(leaf, targets, il, tl, 0, false, TReduction.None);
        (expected * g).sum().backward();
        var b = new NamedBuffers(ScalarType.Float64).Add("lp", lp).Add("targets", targets).Add("il", il).Add("tl", tl).Add("g", g).Zeros("loss", il).Zeros("dlp", lp);
        CtcNone.ForwardBackward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<double>("loss"), b.Ro<double>("g"), b.Rw<double>("dlp"));
        TorchAssert.Close(expected, b.Tensor("loss"), "loss");
        TorchAssert.Close(leaf.grad!, b.Tensor("dlp"), "dlogProbs");
    }

    /// <summary>Targets longer than their inputs allow: infinite losses, which ZeroInfinity turns into 0 with zero gradients.</summary>
    [Fact]
    public void Ctc_loss_zero_infinity_matches_F_ctc_loss()
    {
        manual_seed(67);
        var lp = F.log_softmax(randn([6, 3, 5], dtype: ScalarType.Float64), 2);
        var targets = tensor(new long[,] { { 1, 1, 1, 1 }, { 1, 2, 3, 4 }, { 2, 3, 0, 0 } });
        var il = tensor(new long[] { 6, 3, 6 });
        var tl = tensor(new long[] { 4, 4, 2 });
        CheckCtc(ScalarType.Float64, lp, targets, il, tl, 0, true, TReduction.Mean,
            b => CtcZeroInfinity.Forward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl")),
            b => CtcZeroInfinity.ForwardBackward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<double>("dlp"), Upstream),
            b => CtcZeroInfinity.Backward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<double>("dlp"), Upstream));
    }

    [Fact]
    public void Ctc_loss_gradient_may_overwrite_the_log_probabilities()
    {
        manual_seed(68);
        var (lp, targets, il, tl) = Batch(16, 3, 5, 4, ScalarType.Float64);
        using var leaf = lp.detach().clone().requires_grad_(true);
        F.ctc_loss(leaf, targets, il, tl).backward();
        var b = new NamedBuffers(ScalarType.Float64).Add("lp", lp).Add("targets", targets).Add("il", il).Add("tl", tl);
        double loss = Ctc.ForwardBackward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<double>("lp"));
        TorchAssert.Close(F.ctc_loss(lp, targets, il, tl), tensor(loss), "loss");
        TorchAssert.Close(leaf.grad!, b.Tensor("lp"), "dlogProbs in place");
    }

    [Fact]
    public void Ctc_loss_rejects_bad_input_before_writing()
    {
        var lp = F.log_softmax(randn([8, 2, 4], dtype: ScalarType.Float64), 2);
        void Rejects<TException>(long[,] targets, long[] il, long[] tl, string param, string fragment) where TException : ArgumentException
        {
            var b = new NamedBuffers(ScalarType.Float64).Add("lp", lp).Add("targets", tensor(targets)).Add("il", tensor(il)).Add("tl", tensor(tl)).Zeros("dlp", lp);
            var e = Assert.Throws<TException>(() => Ctc.Backward(b.Ro<double>("lp"), b.Ro<long>("targets"), b.Ro<long>("il"), b.Ro<long>("tl"), b.Rw<double>("dlp")));
            Assert.Equal(param, e.ParamName);
            Assert.Contains(fragment, e.Message);
            Assert.All(TorchAssert.Values(b.Tensor("dlp")), v => Assert.Equal(0.0, v));
        }

        Rejects<ArgumentOutOfRangeException>(new long[,] { { 1, 4 }, { 1, 2 } }, [8, 8], [2, 2], "targets", "in [0, 4)");
        Rejects<ArgumentOutOfRangeException>(new long[,] { { 1, -1 }, { 1, 2 } }, [8, 8], [2, 2], "targets", "got -1");
        Rejects<ArgumentOutOfRangeException>(new long[,] { { 1, 2 }, { 1, 2 } }, [9, 8], [2, 2], "inputLengths", "in [0, 8]");
        Rejects<ArgumentOutOfRangeException>(new long[,] { { 1, 2 }, { 1, 2 } }, [8, 8], [3, 2], "targetLengths", "in [0, 2]");
        Rejects<ArgumentOutOfRangeException>(new long[,] { { 1, 2 }, { 1, 2 } }, [8, -1], [2, 2], "inputLengths", "got -1");
        Rejects<ArgumentException>(new long[,] { { 1, 2 }, { 1, 2 } }, [8, 8, 8], [2, 2], "inputLengths", "of shape [2]");
        var wrong = new NamedBuffers(ScalarType.Float64).Add("lp", lp).Add("targets", tensor(new long[] { 1, 2, 3 })).Add("il", tensor(new long[] { 8, 8 })).Add("tl", tensor(new long[] { 2, 2 })).Zeros("dlp", lp);
        var sum = Assert.Throws<ArgumentException>(() => Ctc.Backward(wrong.Ro<double>("lp"), wrong.Ro<long>("targets"), wrong.Ro<long>("il"), wrong.Ro<long>("tl"), wrong.Rw<double>("dlp")));
        Assert.Equal("targetLengths", sum.ParamName);
        var small = new NamedBuffers(ScalarType.Float64).Add("lp", lp).Add("targets", tensor(new long[,] { { 1, 2 }, { 1, 2 } })).Add("il", tensor(new long[] { 8, 8 })).Add("tl", tensor(new long[] { 2, 2 })).Zeros("dlp", zeros([8, 2, 3]));
        var shape = Assert.Throws<ArgumentException>(() => Ctc.Backward(small.Ro<double>("lp"), small.Ro<long>("targets"), small.Ro<long>("il"), small.Ro<long>("tl"), small.Rw<double>("dlp")));
        Assert.Equal("dlogProbs", shape.ParamName);
    }

    [Fact]
    public void Ctc_loss_allocates_nothing_per_call_once_warm()
    {
        manual_seed(69);
        var (lp, targets, il, tl) = Batch(200, 4, 10, 20, ScalarType.Float32);
        var b = new NamedBuffers(ScalarType.Float32).Add("lp", lp).Add("targets", targets).Add("il", il).Add("tl", tl).Zeros("dlp", lp);
        var x = b.Ro<float>("lp");
        var t = b.Ro<long>("targets");
        var inputs = b.Ro<long>("il");
        var lengths = b.Ro<long>("tl");
        var d = b.Rw<float>("dlp");
        Ctc.ForwardBackward(x, t, inputs, lengths, d);
        long before = GC.GetAllocatedBytesForCurrentThread();
        for (int i = 0; i < 5; i++)
        {
            Ctc.ForwardBackward(x, t, inputs, lengths, d);
        }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
