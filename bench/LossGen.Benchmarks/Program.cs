// BenchmarkDotNet suites for the kernels LossGen generates. Pick suites with --filter; see docs/performance.md.
//
//   dotnet run -c Release --project bench/LossGen.Benchmarks -- --filter '*'               # everything
//   dotnet run -c Release --project bench/LossGen.Benchmarks -- --filter '*CrossEntropy*' --job short
//   dotnet run -c Release --project bench/LossGen.Benchmarks -- --filter '*' --job short --inProcess   # no rebuild
//   dotnet run -c Release --project bench/LossGen.Benchmarks -- --list flat                # the benchmark names
using System;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

// BenchmarkDotNet rebuilds this project (and the generator) in a child folder; on a busy 2-core machine that
// takes longer than its default two minutes.
var config = ManualConfig.Create(DefaultConfig.Instance).WithBuildTimeout(TimeSpan.FromMinutes(10));
BenchmarkSwitcher.FromAssembly(typeof(LossGen.Bench.Shapes).Assembly).Run(args, config);
