using System.Threading.Tasks;
using LossGen.Generator.Analyzers;
using Xunit;
using static LossGen.Analyzers.Tests.Verify;

namespace LossGen.Analyzers.Tests;

/// <summary>LG0100–LG0104 in TorchSharp code: each misuse, its fix, and its clean counterpart.</summary>
public class TorchSharpTests
{
    // ---- LG0100: probabilities where logits belong ------------------------------------------------------------

    [Theory]
    [InlineData("return torch.nn.functional.cross_entropy({|LG0100:torch.softmax(logits, 1)|}, target);", "return torch.nn.functional.cross_entropy(logits, target);")]
    [InlineData("return F.cross_entropy({|LG0100:F.softmax(logits, 1)|}, target);", "return F.cross_entropy(logits, target);")]
    [InlineData("return F.cross_entropy({|LG0100:logits.softmax(1)|}, target, ignore_index: 3);", "return F.cross_entropy(logits, target, ignore_index: 3);")]
    [InlineData("return F.cross_entropy({|LG0100:softmax(logits, 1)|}, target);", "return F.cross_entropy(logits, target);")]
    [InlineData("return F.binary_cross_entropy_with_logits({|LG0100:torch.sigmoid(logits)|}, y);", "return F.binary_cross_entropy_with_logits(logits, y);")]
    [InlineData("return F.binary_cross_entropy_with_logits({|LG0100:logits.sigmoid()|}, y);", "return F.binary_cross_entropy_with_logits(logits, y);")]
    [InlineData("return F.binary_cross_entropy_with_logits({|LG0100:F.sigmoid(logits)|}, y);", "return F.binary_cross_entropy_with_logits(logits, y);")]
    [InlineData("return F.cross_entropy({|LG0100:torch.special.softmax(logits, 1)|}, target);", "return F.cross_entropy(logits, target);")]
    public Task Functional_losses_fed_probabilities_are_flagged_and_fixed(string body, string fixedBody) =>
        Fix<TorchSharpAnalyzer>(Torch(body), Torch(fixedBody));

    [Fact]
    public Task CrossEntropyLoss_module_forward_and_call() => Fix<TorchSharpAnalyzer>(
        Torch("""
            var criterion = nn.CrossEntropyLoss();
            var probs = torch.softmax(logits, 1);
            var a = criterion.forward({|LG0100:probs|}, target);
            var b = criterion.call({|LG0100:torch.softmax(logits, 1)|}, target);
            return a + b;
            """),
        Torch("""
            var criterion = nn.CrossEntropyLoss();
            var probs = torch.softmax(logits, 1);
            var a = criterion.forward(logits, target);
            var b = criterion.call(logits, target);
            return a + b;
            """));

    [Fact]
    public Task BCEWithLogitsLoss_module_fed_sigmoid_through_a_local() => Fix<TorchSharpAnalyzer>(
        Torch("""
            var criterion = nn.BCEWithLogitsLoss();
            Tensor p = torch.sigmoid(logits);
            return criterion.forward({|LG0100:p|}, y);
            """),
        Torch("""
            var criterion = nn.BCEWithLogitsLoss();
            Tensor p = torch.sigmoid(logits);
            return criterion.forward(logits, y);
            """));

    [Fact]
    public Task Module_typed_as_its_base_class_is_followed() => Diagnostics<TorchSharpAnalyzer>(Torch("""
        Loss<Tensor, Tensor, Tensor> criterion = nn.CrossEntropyLoss();
        return criterion.forward({|LG0100:F.softmax(logits, 1)|}, target);
        """));

    [Fact]
    public Task Softmax_module_output_is_flagged_and_dropped() => Fix<TorchSharpAnalyzer>(
        Torch("""
            var softmax = nn.Softmax(1);
            var probs = softmax.forward(logits);
            return F.cross_entropy({|LG0100:probs|}, target);
            """),
        Torch("""
            var softmax = nn.Softmax(1);
            var probs = softmax.forward(logits);
            return F.cross_entropy(logits, target);
            """));

    [Fact]
    public Task Field_module_and_value_preserving_calls_are_followed_without_a_fix() => Diagnostics<TorchSharpAnalyzer>(Torch("""
        var probs = softmax.call(logits).to(DeviceType.CPU).view(-1, 10);
        return criterion.forward({|LG0100:probs|}, target);
        """, members: """
        private readonly Softmax softmax = nn.Softmax(1);
        private readonly CrossEntropyLoss criterion = nn.CrossEntropyLoss();
        """));

    [Fact]
    public Task Both_branches_softmax_is_flagged() => Diagnostics<TorchSharpAnalyzer>(Torch("""
        Tensor p;
        if (flag) { p = torch.softmax(logits, 1); } else { p = logits.softmax(1); }
        return F.cross_entropy({|LG0100:p|}, target);
        """));

    [Fact]
    public Task Conditional_expression_of_two_softmaxes_is_flagged() => Diagnostics<TorchSharpAnalyzer>(Torch("""
        var p = flag ? torch.softmax(logits, 1) : F.softmax(logits, 1);
        return F.cross_entropy({|LG0100:p|}, target);
        """));

    [Fact]
    public Task Sigmoid_in_place_is_flagged() => Diagnostics<TorchSharpAnalyzer>(Torch("""
        var scores = logits.clone();
        scores.sigmoid_();
        return F.binary_cross_entropy_with_logits({|LG0100:scores|}, y);
        """));

    [Fact]
    public Task Softmax_in_a_loop_body_is_flagged() => Diagnostics<TorchSharpAnalyzer>(Torch("""
        Tensor total = torch.zeros(1);
        for (int i = 0; i < 3; i++)
        {
            var output = logits * i;
            var probs = F.softmax(output, 1);
            total = total + F.cross_entropy({|LG0100:probs|}, target);
        }
        return total;
        """));

    [Fact]
    public Task Using_declarations_and_dispose_scopes_are_followed() => Diagnostics<TorchSharpAnalyzer>(Torch("""
        using (var scope = torch.NewDisposeScope())
        {
            using var probs = F.softmax(logits, dim: 1);
            var loss = F.cross_entropy(input: {|LG0100:probs|}, target: target);
            return loss.MoveToOuterDisposeScope();
        }
        """));

    [Fact]
    public Task Exp_of_log_softmax_is_probabilities() => Diagnostics<TorchSharpAnalyzer>(Torch("""
        var p = torch.exp(F.log_softmax(logits, 1));
        return F.cross_entropy({|LG0100:p|}, target);
        """));

    [Fact]
    public Task Expression_bodied_members_lambdas_and_local_functions_are_analyzed() => Diagnostics<TorchSharpAnalyzer>("""
        using System;
        using TorchSharp;
        using static TorchSharp.torch;
        using F = TorchSharp.torch.nn.functional;

        public class Trainer
        {
            private readonly Func<Tensor, Tensor, Tensor> lossOf = (x, t) => F.cross_entropy({|LG0100:x.softmax(1)|}, t);

            public Tensor Loss(Tensor x, Tensor t) => F.cross_entropy({|LG0100:torch.softmax(x, 1)|}, t);

            public Tensor Inner(Tensor x, Tensor t)
            {
                return Local(x);

                Tensor Local(Tensor z)
                {
                    var p = z.softmax(1);
                    return F.nll_loss({|LG0101:p|}, t);
                }
            }
        }
        """);

    [Fact]
    public Task Top_level_statements_are_analyzed() => ProgramDiagnostics<TorchSharpAnalyzer>("""
        using TorchSharp;
        using F = TorchSharp.torch.nn.functional;

        var logits = torch.randn(4, 3);
        var target = torch.tensor(new long[] { 0, 1, 2, 1 });
        var probs = torch.softmax(logits, 1);
        System.Console.WriteLine(F.cross_entropy({|LG0100:probs|}, target).item<float>());
        System.Console.WriteLine(F.cross_entropy(logits, target).item<float>());
        """);

    // ---- Clean counterparts of LG0100 -------------------------------------------------------------------------

    [Theory]
    [InlineData("return F.cross_entropy(logits, target);")]
    [InlineData("return nn.CrossEntropyLoss().forward(logits, target);")]
    [InlineData("return F.binary_cross_entropy_with_logits(logits, y);")]
    [InlineData("return F.cross_entropy(F.log_softmax(logits, 1), target);")]
    [InlineData("var probs = torch.softmax(logits, 1); var accuracy = probs.argmax(1).eq(target).sum(); return F.cross_entropy(logits, target) + accuracy;")]
    [InlineData("var p = torch.softmax(logits, 1); p = logits; return F.cross_entropy(p, target);")]
    [InlineData("var p = torch.softmax(logits, 1); if (flag) { p = logits; } return F.cross_entropy(p, target);")]
    [InlineData("Tensor p = logits; if (flag) { p = torch.softmax(logits, 1); } return F.cross_entropy(p, target);")]
    [InlineData("var p = flag ? torch.softmax(logits, 1) : logits; return F.cross_entropy(p, target);")]
    [InlineData("return F.cross_entropy(logits, torch.softmax(y / 2.0, 1));")]
    [InlineData("return nn.KLDivLoss().forward(F.log_softmax(logits, 1), F.softmax(y, 1));")]
    [InlineData("var p = torch.softmax(logits, 1); return F.cross_entropy(p * 10, target);")]
    [InlineData("Tensor p = null; try { p = torch.softmax(logits, 1); } catch (Exception) { p = logits; } return F.cross_entropy(p, target);")]
    [InlineData("var p = torch.softmax(logits, 1); Func<Tensor> f = () => p = logits; f(); return F.cross_entropy(p, target);")]
    [InlineData("var p = torch.softmax(logits, 1); var q = p; q.add_(1); return F.cross_entropy(p, target);")]
    public Task Clean_code_is_not_flagged(string body) => Diagnostics<TorchSharpAnalyzer>(Torch(body));

    [Fact]
    public Task In_place_log_makes_log_probabilities() => Diagnostics<TorchSharpAnalyzer>(Torch("""
        var p = torch.softmax(logits, 1);
        {|LG0102:p.log_()|};
        return F.nll_loss(p, target);
        """));

    [Fact]
    public Task Parameter_of_unknown_origin_is_not_flagged() => Diagnostics<TorchSharpAnalyzer>(Torch("""
        return F.cross_entropy(y, target);
        """));

    [Fact]
    public Task Local_reassigned_in_a_loop_is_not_flagged() => Diagnostics<TorchSharpAnalyzer>(Torch("""
        Tensor p = torch.softmax(logits, 1);
        Tensor loss = torch.zeros(1);
        for (int i = 0; i < 3; i++)
        {
            loss = loss + F.cross_entropy(p, target);
            p = logits * i;
        }
        return loss;
        """));

    // ---- LG0105: kl_div's log_target against what the target holds ---------------------------------------------

    [Theory]
    [InlineData("return F.kl_div(logits.log_softmax(1), {|LG0105:F.softmax(y, 1)|});")]
    [InlineData("return F.kl_div(logits.log_softmax(1), {|LG0105:y.softmax(-1)|}, log_target: true);")]
    [InlineData("return F.kl_div(logits.log_softmax(1), {|LG0105:F.log_softmax(y, 1)|}, log_target: false);")]
    [InlineData("var teacher = torch.softmax(y, 1);\nreturn F.kl_div(logits.log_softmax(1), {|LG0105:teacher|}, true, nn.Reduction.Sum);")]
    public Task Kl_div_target_read_as_the_other_kind_is_flagged(string body) => Diagnostics<TorchSharpAnalyzer>(Torch(body));

    [Theory]
    [InlineData("return F.kl_div(logits.log_softmax(1), F.softmax(y, 1), log_target: false);")]
    [InlineData("return F.kl_div(logits.log_softmax(1), F.log_softmax(y, 1));")]
    [InlineData("return F.kl_div(logits.log_softmax(1), y);")]
    [InlineData("return F.kl_div(logits.log_softmax(1), y, log_target: flag);")]
    public Task Kl_div_target_that_matches_or_is_unknown_is_not_flagged(string body) => Diagnostics<TorchSharpAnalyzer>(Torch(body));

    // ---- LG0101: probabilities where log-probabilities belong -------------------------------------------------

    [Theory]
    [InlineData("return F.nll_loss({|LG0101:torch.softmax(logits, 1)|}, target);", "return F.nll_loss(logits.log_softmax(1), target);")]
    [InlineData("return F.nll_loss({|LG0101:F.softmax(logits + 1, dim: 1)|}, target);", "return F.nll_loss((logits + 1).log_softmax(1), target);")]
    [InlineData("return nn.NLLLoss().forward({|LG0101:logits.softmax(-1)|}, target);", "return nn.NLLLoss().forward(logits.log_softmax(-1), target);")]
    [InlineData("return F.kl_div({|LG0101:F.softmax(logits, 1)|}, y);", "return F.kl_div(logits.log_softmax(1), y);")]
    public Task Nll_fed_softmax_gets_log_softmax(string body, string fixedBody) =>
        Fix<TorchSharpAnalyzer>(Torch(body), Torch(fixedBody));

    [Fact]
    public Task Nll_fed_softmax_through_a_local_is_fixed_at_the_call() => Fix<TorchSharpAnalyzer>(
        Torch("""
            var probs = F.softmax(logits, 1);
            var predicted = probs.argmax(1);
            return F.nll_loss({|LG0101:probs|}, target);
            """),
        Torch("""
            var probs = F.softmax(logits, 1);
            var predicted = probs.argmax(1);
            return F.nll_loss(logits.log_softmax(1), target);
            """));

    [Fact]
    public Task Nll_fed_sigmoid_is_flagged_without_a_fix() => Diagnostics<TorchSharpAnalyzer>(Torch("""
        return F.nll_loss({|LG0101:torch.sigmoid(logits)|}, target);
        """));

    [Theory]
    [InlineData("return F.nll_loss(F.log_softmax(logits, 1), target);")]
    [InlineData("return F.nll_loss(logits.log_softmax(1), target);")]
    [InlineData("return nn.NLLLoss().forward(nn.LogSoftmax(1).forward(logits), target);")]
    [InlineData("return F.kl_div(F.log_softmax(logits, 1), F.softmax(y, 1), log_target: false);")]
    public Task Nll_fed_log_probabilities_is_clean(string body) => Diagnostics<TorchSharpAnalyzer>(Torch(body));

    // ---- LG0102 / LG0103: log of softmax / sigmoid -------------------------------------------------------------

    [Theory]
    [InlineData("return {|LG0102:torch.log(torch.softmax(logits, 1))|};", "return logits.log_softmax(1);")]
    [InlineData("return {|LG0102:torch.softmax(logits, 1).log()|};", "return logits.log_softmax(1);")]
    [InlineData("return {|LG0102:F.softmax(logits, 1, ScalarType.Float64).log()|};", "return logits.log_softmax(1, ScalarType.Float64);")]
    [InlineData("return {|LG0102:log(softmax(logits, 1))|};", "return logits.log_softmax(1);")]
    [InlineData("return {|LG0103:torch.log(torch.sigmoid(logits))|};", "return logits.log_sigmoid();")]
    [InlineData("return {|LG0103:logits.sigmoid().log()|};", "return logits.log_sigmoid();")]
    public Task Log_of_softmax_or_sigmoid_is_rewritten(string body, string fixedBody) =>
        Fix<TorchSharpAnalyzer>(Torch(body), Torch(fixedBody));

    [Fact]
    public Task Log_of_softmax_through_a_local() => Fix<TorchSharpAnalyzer>(
        Torch("""
            var probs = torch.softmax(logits, 1);
            var logp = {|LG0102:torch.log(probs)|};
            return F.nll_loss(logp, target);
            """),
        Torch("""
            var probs = torch.softmax(logits, 1);
            var logp = logits.log_softmax(1);
            return F.nll_loss(logp, target);
            """));

    [Theory]
    [InlineData("return torch.log(torch.softmax(logits, 1) + 1e-8);")]
    [InlineData("return torch.log(torch.softmax(logits, 1).clamp(1e-8));")]
    [InlineData("return torch.log(logits);")]
    [InlineData("return F.log_softmax(logits, 1);")]
    public Task Guarded_or_plain_logs_are_clean(string body) => Diagnostics<TorchSharpAnalyzer>(Torch(body));

    // ---- LG0104: log-probabilities where probabilities belong -------------------------------------------------

    [Fact]
    public Task Bce_fed_log_sigmoid_is_flagged() => Diagnostics<TorchSharpAnalyzer>(Torch("""
        var a = F.binary_cross_entropy({|LG0104:F.logsigmoid(logits)|}, y);
        var b = nn.BCELoss().forward({|LG0104:logits.log_softmax(1)|}, y);
        return a + b;
        """));

    [Fact]
    public Task Bce_fed_sigmoid_is_clean() => Diagnostics<TorchSharpAnalyzer>(Torch("""
        return F.binary_cross_entropy(torch.sigmoid(logits), y);
        """));

    // ---- Messages ----------------------------------------------------------------------------------------------

    [Fact]
    public Task Message_names_the_loss_the_input_and_the_producer() => Diagnostics<TorchSharpAnalyzer>(
        Torch("""
            var probs = torch.softmax(logits, 1);
            return F.cross_entropy(probs, target);
            """),
        Diagnostic("LG0100").WithSpan(14, 24, 14, 29).WithOptions(Microsoft.CodeAnalysis.Testing.DiagnosticOptions.IgnoreAdditionalLocations).WithMessage(
            "'cross_entropy' expects logits, but its input 'probs' is the output of torch.softmax, which is already probabilities; pass the raw scores from before torch.softmax (the loss normalises them itself)"));
}
