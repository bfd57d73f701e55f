"""The tiny preset's ViT with 16-pixel patches or with a convolutional stem, on SynthRad, per question family.

    python tools/tiny_stem.py [--seeds 0 1] [--variants patch16 stem stem-narrow] [--procs 2] [--out results/tiny_stem.json]

Trains the main job's configuration (`cmi_mtl.train.train`, tiny preset, the generated SynthRad set) once
per (variant, seed), `--procs` runs at a time, each with one thread. `patch16` embeds the 112-px image as
7x7 patches of 16 pixels with one linear map (the preset before this check); `stem` replaces that with four
stride-2 3x3 convolutions with 24, 48, 96 and 96 channels (`ImageEncoderConfig.conv_stem`), the same 7x7 token
grid (the preset now); `stem-narrow` is the same stem with 16, 32, 64 and 96 channels (about half its multiply-adds).
Records validation and test accuracy (the choice is made on validation), the test accuracy of each SynthRad
question family, and the seconds of one training step of each variant, timed in turns in this one process
on the same SynthRad batches (one thread, best of `--rounds`), as a speed ratio against the first variant.
The runs go to runs/tiny_stem/; a finished run with the same model and training configs is reused
(`cmi_mtl.experiments.run_matches`), not trained again.
"""
import argparse, json, sys, time
from pathlib import Path
from tiny_positions import finished, run_pool, run_row   # reuse check, runner and per-run summary of tools/tiny_positions.py

VARIANTS = {'patch16': dict(image=dict(conv_stem=(), overrides=dict(patch_size=16, embed_dim=96, depth=3, num_heads=3, mlp_ratio=2.))),
            'stem': {}, 'stem-narrow': dict(image=dict(conv_stem=(16, 32, 64, 96)))}

def model_kw(variant: str) -> dict: return VARIANTS[variant]

def one(variant: str, seed: int, out: str):
    "Train one run (called in a subprocess)."
    from cmi_mtl.train import train
    train(out=out, progress=False, seed=seed, model_kw=model_kw(variant))

def step_seconds(variants: list[str], steps: int=4, rounds: int=3) -> dict:
    "Seconds per training step (batch 64, one thread) of each variant, timed in turns on the same batches; best of `rounds`."
    from cmi_mtl.train import benchmark_threads
    r = benchmark_threads('tiny', threads=(1,), steps=steps, rounds=rounds, variants={v: model_kw(v) for v in variants})
    return {v: r['variants'][v]['seconds_per_step']['1'] for v in variants}

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    p.add_argument('--variants', nargs='+', default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument('--procs', type=int, default=2); p.add_argument('--out', default='results/tiny_stem.json')
    p.add_argument('--rounds', type=int, default=3); p.add_argument('--runs', default='runs/tiny_stem'); p.add_argument('--one', nargs=3, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.one: return one(a.one[0], int(a.one[1]), a.one[2])
    jobs = [(v, seed, Path(a.runs)/f'{v}-seed{seed}') for v in a.variants for seed in a.seeds]
    t0 = time.time()
    run_pool(__file__, [(v, seed, out) for v, seed, out in jobs if not finished(out, seed, model_kw(v))], a.procs)
    rows = [dict(variant=v, seed=seed, **run_row(out)) for v, seed, out in jobs]
    sec = step_seconds(a.variants, rounds=a.rounds)
    res = dict(command='python tools/tiny_stem.py ' + ' '.join(sys.argv[1:]), wall_seconds=round(time.time() - t0, 1), runs=rows,
               step_seconds=sec, speed_vs_first={v: sec[a.variants[0]] / s for v, s in sec.items()})
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(res, indent=1) + '\n')
    for r in rows: print(f"{r['variant']:>7} seed {r['seed']}: val {r['val']:.3f} test {r['test']:.3f} train {r['train_seconds']:.0f} s  "
                         + ' '.join(f"{f} {v['accuracy']:.2f}" for f, v in r['families'].items()))
    print('training step: ' + ', '.join(f'{v} {s:.3f} s ({res["speed_vs_first"][v]:.2f}x)' for v, s in sec.items()))

if __name__ == '__main__': main()
