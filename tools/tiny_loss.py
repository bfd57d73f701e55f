"""The tiny preset with the paper's BCE and with softmax cross-entropy plus the image-token norm, on SynthRad.

    python tools/tiny_loss.py [--seeds 0 1] [--variants bce ce-norm] [--procs 2] [--out results/tiny_loss.json]

Trains the main job's configuration (`cmi_mtl.train.train`, tiny preset, the generated SynthRad set) once
per (variant, seed), `--procs` runs at a time, each with one thread: `bce` is the paper's L_cls (BCE summed
over the answers) on the raw image tokens, `ce-norm` the softmax cross-entropy with a LayerNorm over the
image tokens (`CMIMTLConfig.cls_loss`, `image_norm`; 06_heads, 07_model). Records validation and test
accuracy (the choice is made on validation) and the test accuracy of each SynthRad question family. The runs
go to runs/tiny_loss/; a finished run with the same model and training configs is reused
(`cmi_mtl.experiments.run_matches`), not trained again.
"""
import argparse, json, sys, time
from pathlib import Path
from tiny_positions import POOL_TRAIN_KW, finished, run_pool, run_row   # reuse check, runner and per-run summary of tools/tiny_positions.py

VARIANTS = {'bce': dict(cls_loss='bce', image_norm=False), 'ce-norm': dict(cls_loss='ce', image_norm=True)}

def one(variant: str, seed: int, out: str):
    "Train one run (called in a subprocess)."
    from cmi_mtl.train import train
    train(out=out, progress=False, seed=seed, model_kw=VARIANTS[variant], **POOL_TRAIN_KW)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    p.add_argument('--variants', nargs='+', default=list(VARIANTS), choices=list(VARIANTS))
    p.add_argument('--procs', type=int, default=2); p.add_argument('--out', default='results/tiny_loss.json')
    p.add_argument('--runs', default='runs/tiny_loss'); p.add_argument('--one', nargs=3, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.one: return one(a.one[0], int(a.one[1]), a.one[2])
    jobs = [(v, seed, Path(a.runs)/f'{v}-seed{seed}') for v in a.variants for seed in a.seeds]
    t0 = time.time()
    run_pool(__file__, [(v, seed, out) for v, seed, out in jobs if not finished(out, seed, VARIANTS[v])], a.procs)
    rows = [dict(variant=v, model_kw=VARIANTS[v], seed=seed, **run_row(out)) for v, seed, out in jobs]
    res = dict(command='python tools/tiny_loss.py ' + ' '.join(sys.argv[1:]), wall_seconds=round(time.time() - t0, 1), runs=rows)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(res, indent=1) + '\n')
    for r in rows: print(f"{r['variant']:>8} seed {r['seed']}: val {r['val']:.3f} test {r['test']:.3f}  "
                         + ' '.join(f"{f} {v['accuracy']:.2f}" for f, v in r['families'].items()))

if __name__ == '__main__': main()
