using System;
using System.Collections.Generic;
using System.Linq;
using TorchSharp;
using TorchSharp.Modules;
using Xunit;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace LossGen.TorchSharp.Tests;

/// <summary>
/// A small model trained with SGD through the bridge follows the same trajectory as the same model trained with
/// TorchSharp's own loss: same losses and same parameters after every step.
/// </summary>
public class TrainingTests
{
    private static nn.Module<Tensor, Tensor> Mlp(ScalarType dtype) =>
        nn.Sequential(
            ("hidden", nn.Linear(6, 16, dtype: dtype)),
            ("relu", nn.ReLU()),
            ("out", nn.Linear(16, 4, dtype: dtype)));

    private static void CopyParameters(nn.Module from, nn.Module to)
    {
        using var _ = no_grad();
        foreach (var ((_, a), (_, b)) in from.named_parameters().Zip(to.named_parameters()))
            b.copy_(a);
    }

    /// <summary>Trains two copies of a model side by side; <paramref name="bridge"/> and <paramref name="reference"/> are the losses.</summary>
    private static void SameTrajectory(ScalarType dtype, Func<nn.Module<Tensor, Tensor>> build,
        Func<Tensor, Tensor, Tensor> bridge, Func<Tensor, Tensor, Tensor> reference, int steps, double lr, double momentum = 0)
    {
        manual_seed(100);
        using var inputs = randn([32, 6], dtype: dtype);
        using var labels = randint(0, 4, [32], dtype: ScalarType.Int64);
        var a = build();
        var b = build();
        CopyParameters(a, b);
        var optA = optim.SGD(a.parameters(), lr, momentum);
        var optB = optim.SGD(b.parameters(), lr, momentum);

        // Trajectories drift apart by rounding only; float32 gets a looser bound for the accumulation over steps.
        double rel = dtype == ScalarType.Float64 ? 1e-9 : 1e-4;
        double abs = dtype == ScalarType.Float64 ? 1e-12 : 1e-5;
        double first = double.NaN, last = double.NaN;
        for (int step = 0; step < steps; step++)
        {
            using var scope = NewDisposeScope();
            optA.zero_grad();
            var lossA = bridge(a.call(inputs), labels);
            lossA.backward();
            optA.step();

            optB.zero_grad();
            var lossB = reference(b.call(inputs), labels);
            lossB.backward();
            optB.step();

            TorchAssert.Close(lossB, lossA, $"loss at step {step}", rel, abs);
            foreach (var ((name, pa), (_, pb)) in a.named_parameters().Zip(b.named_parameters()))
                TorchAssert.Close(pb, pa, $"{name} after step {step}", rel, abs);
            if (step == 0) first = lossA.ToDouble();
            last = lossA.ToDouble();
        }
        Assert.True(last < first, $"the loss went down ({first} -> {last})");
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Linear_classifier_with_cross_entropy_follows_TorchSharp(ScalarType dtype)
    {
        var ce = dtype == ScalarType.Float32
            ? TorchLoss.ClassIndices<float>(CrossEntropy.ForwardBackward, CrossEntropy.Forward)
            : TorchLoss.ClassIndices<double>(CrossEntropy.ForwardBackward, CrossEntropy.Forward);
        SameTrajectory(dtype, () => nn.Linear(6, 4, dtype: dtype),
            (x, t) => ce.Apply(x, t), (x, t) => F.cross_entropy(x, t), steps: 8, lr: 0.5);
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void Mlp_with_the_dsl_focal_loss_follows_TorchSharp(ScalarType dtype)
    {
        var focal = dtype == ScalarType.Float32
            ? TorchLoss.ClassIndices<float>((x, t) => Focal.Forward(x, t), (x, t, dx, g) => Focal.Backward(x, t, dx, g))
            : TorchLoss.ClassIndices<double>((x, t, dx, g) => Focal.ForwardBackward(x, t, dx, g));
        SameTrajectory(dtype, () => Mlp(dtype),
            (x, t) => focal.Apply(x, t), (x, t) => TorchLossTests.TorchFocal(x, t, 2.0), steps: 8, lr: 0.3, momentum: 0.9);
    }

    [Fact]
    public void Loss_terms_combine_with_TorchSharp_operations()
    {
        // 0.5 * bridge CE + 0.1 * L2 penalty: the upstream gradient of the bridge term is 0.5.
        var ce = TorchLoss.ClassIndices<double>(CrossEntropy.ForwardBackward);
        SameTrajectory(ScalarType.Float64, () => nn.Linear(6, 4, dtype: ScalarType.Float64),
            (x, t) => 0.5 * ce.Apply(x, t) + 0.1 * x.pow(2).mean(),
            (x, t) => 0.5 * F.cross_entropy(x, t) + 0.1 * x.pow(2).mean(), steps: 5, lr: 0.5);
    }
}
