"""Times the three parts of a tiny training step made cheaper for the main job, each against the plain version it replaced.

    python tools/tiny_step_parts.py [--threads 1] [--rounds 5] [--out results/tiny_step_parts.json]

Forward + backward, timed in turns in this one process (best of `--rounds`), at the shapes of a tiny-preset batch of
64 SynthRad questions about 22 images (`group_by_image`):
- the stem's BatchNorm + ReLU on its first feature map (22, 24, 56, 56): `GatheredBatchNormAct2d` in one process
  (torch's fused batch_norm) against its `global_forward` (the summed statistics DDP needs);
- the CMM's depthwise causal convolution on (64, 128, 15): `causal_depthwise_conv1d` (shifted products) against
  `nn.Conv1d` (oneDNN), the tiny preset's inner width and a typical question length;
- CMCL's question-free QQ-Former pass of the tiny preset: once per image (`CMIMTL.image_queries`) against once per question.
The outputs and gradients of each pair are checked to agree before timing.
"""
import argparse, json, sys
from pathlib import Path
import torch

def timed(fn, rounds, n=10):
    "Best of `rounds` mean seconds of `fn()` over n calls (after 2 warm-up calls), timed by `cmi_mtl.profile.time_forward`."
    from cmi_mtl.profile import time_forward
    return min(time_forward(lambda: [fn() for _ in range(n)], repeats=rounds, warmup=1, raw=True)) / n

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--threads', type=int, default=1); p.add_argument('--rounds', type=int, default=5)
    p.add_argument('--out', default='results/tiny_step_parts.json')
    a = p.parse_args()
    torch.set_num_threads(a.threads); torch.manual_seed(0)
    from cmi_mtl.encoders import GatheredBatchNormAct2d
    from cmi_mtl.cmm import causal_depthwise_conv1d
    from cmi_mtl.model import CMIMTL, tiny_config
    from cmi_mtl.data import AnswerVocab
    cases = {}
    # 1. BatchNorm + ReLU of the stem's first layer
    bn = GatheredBatchNormAct2d(24).train(); x = torch.randn(22, 24, 56, 56, requires_grad=True)
    def bn_run(f): return lambda: f(x).square().mean().backward()
    torch.testing.assert_close(bn(x), bn.global_forward(x), rtol=1e-4, atol=1e-4)
    cases['stem_batchnorm'] = dict(shape=list(x.shape), fast='GatheredBatchNormAct2d (fused batch_norm, one process)', plain='global_forward (summed statistics)',
                                   fast_s=timed(bn_run(bn), a.rounds), plain_s=timed(bn_run(bn.global_forward), a.rounds))
    # 2. depthwise causal convolution of the CMM
    conv = torch.nn.Conv1d(128, 128, 4, groups=128, padding=3); u = torch.randn(64, 128, 15, requires_grad=True)
    torch.testing.assert_close(causal_depthwise_conv1d(u, conv), conv(u)[..., :15], rtol=1e-5, atol=1e-5)
    cases['cmm_causal_conv'] = dict(shape=list(u.shape), fast='causal_depthwise_conv1d (shifted products)', plain='nn.Conv1d (oneDNN depthwise)',
                                    fast_s=timed(lambda: causal_depthwise_conv1d(u, conv).square().mean().backward(), a.rounds),
                                    plain_s=timed(lambda: conv(u)[..., :15].square().mean().backward(), a.rounds))
    # 3. CMCL's question-free pass, once per image or once per question
    model = CMIMTL(tiny_config(), AnswerVocab([f'a{i}' for i in range(50)])).train()
    img = torch.arange(64) // 3; img[63] = img[62]   # 22 images, about 3 questions each
    v = torch.randn(22, model.image_encoder.num_tokens, model.image_encoder.out_dim)[img].requires_grad_()
    batch = dict(image_index=img)
    torch.testing.assert_close(model.image_queries(v, batch), model.qqformer(v, with_question=False), rtol=1e-4, atol=1e-5)
    cases['cmcl_question_free_pass'] = dict(shape=list(v.shape), images=int(img.unique().numel()), fast='CMIMTL.image_queries (once per image)',
                                            plain='QQFormer(with_question=False) on every question',
                                            fast_s=timed(lambda: model.image_queries(v, batch).square().mean().backward(), a.rounds),
                                            plain_s=timed(lambda: model.qqformer(v, with_question=False).square().mean().backward(), a.rounds))
    for c in cases.values(): c['speed_up'] = c['plain_s'] / c['fast_s']
    from cmi_mtl.profile import _cpu_name
    res = dict(command='python tools/tiny_step_parts.py ' + ' '.join(sys.argv[1:]), cpu=_cpu_name(), threads=a.threads, torch=torch.__version__,
               rounds=a.rounds, cases=cases)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(res, indent=1) + '\n')
    for k, c in cases.items(): print(f"{k:>24}: {1e3 * c['fast_s']:7.2f} ms against {1e3 * c['plain_s']:7.2f} ms (x{c['speed_up']:.1f})")

if __name__ == '__main__': main()
