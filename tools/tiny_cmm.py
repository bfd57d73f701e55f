"""The tiny preset with narrower cross-modal Mamba blocks (CMM expand and state size), on SynthRad.

    python tools/tiny_cmm.py [--seeds 0 1] [--variants e2-n16 e1-n16] [--procs 2] [--out results/tiny_cmm.json]

Trains the main job's configuration (`cmi_mtl.train.train`, tiny preset, the generated SynthRad set) once
per (variant, seed), `--procs` runs at a time, each with one thread, with the CMM's `expand` (inner width
E = expand * d_model) and `d_state` (N) set by the variant: `e2-n16` is Mamba's default and the preset
before this check. The selective scan works on (L, B, E, N) tensors, so E * N sets most of the CMM's cost,
and scratch timings put the CMM at about half of a tiny training step on a CPU. Records validation and test accuracy (the
choice is made on validation), the test accuracy of each SynthRad question family, and the seconds of one
training step of each variant, timed in turns in this one process on the same SynthRad batches (one thread,
best of `--rounds`), as a speed ratio against the first variant.
The runs go to runs/tiny_cmm/; a finished run with the same model and training configs is reused
(`cmi_mtl.experiments.run_matches`), not trained again.
"""
import argparse, json, sys, time
from pathlib import Path
from tiny_positions import POOL_TRAIN_KW, finished, run_pool, run_row   # reuse check, runner and per-run summary of tools/tiny_positions.py

VARIANTS = {'e2-n16': dict(expand=2, d_state=16), 'e1-n16': dict(expand=1, d_state=16)}

def model_kw(variant: str) -> dict: return dict(cmm=dict(d_model=64, **VARIANTS[variant]))

def step_seconds(kws: dict, steps: int=4, rounds: int=3) -> dict:
    "Seconds per training step (batch 64, one thread) of each variant (name -> model_kw), timed in turns on the same batches; best of `rounds`."
    from cmi_mtl.train import benchmark_threads
    r = benchmark_threads('tiny', threads=(1,), steps=steps, rounds=rounds, variants=kws)
    return {v: r['variants'][v]['seconds_per_step']['1'] for v in kws}

def split_kw(variant: dict) -> tuple[dict, dict]:
    "A variant's (model_kw, train_kw): its 'train' entry holds the training changes, the rest the model changes."
    return {k: v for k, v in variant.items() if k != 'train'}, variant.get('train', {})

def main_variants(script: str, doc: str, variants: dict, out: str, runs: str, extra=lambda v: {}):
    "The command line of a variant check: train the tiny preset once per (variant, seed) with `variants[v]` (model_kw, and train_kw under 'train'), time a step of each, write the JSON."
    p = argparse.ArgumentParser(description=doc.splitlines()[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1])
    p.add_argument('--variants', nargs='+', default=list(variants), choices=list(variants))
    p.add_argument('--procs', type=int, default=2); p.add_argument('--out', default=out)
    p.add_argument('--rounds', type=int, default=3); p.add_argument('--runs', default=runs); p.add_argument('--one', nargs=3, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.one:   # one run, in a subprocess of run_pool
        from cmi_mtl.train import train
        mk, tk = split_kw(variants[a.one[0]])
        return train(out=a.one[2], progress=False, seed=int(a.one[1]), model_kw=mk, **(POOL_TRAIN_KW | tk))
    jobs = [(v, seed, Path(a.runs)/f'{v}-seed{seed}') for v in a.variants for seed in a.seeds]
    t0 = time.time()
    run_pool(script, [(v, seed, o) for v, seed, o in jobs if not finished(o, seed, *split_kw(variants[v]))], a.procs)
    rows = [dict(variant=v, **extra(v), seed=seed, **run_row(o)) for v, seed, o in jobs]
    sec = step_seconds({v: split_kw(variants[v])[0] for v in a.variants}, rounds=a.rounds)   # the step of the model (training changes leave it alone)
    res = dict(command=f'python tools/{Path(script).name} ' + ' '.join(sys.argv[1:]), wall_seconds=round(time.time() - t0, 1), runs=rows,
               step_seconds=sec, speed_vs_first={v: sec[a.variants[0]] / s for v, s in sec.items()})
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(res, indent=1) + '\n')
    for r in rows: print(f"{r['variant']:>7} seed {r['seed']}: val {r['val']:.3f} test {r['test']:.3f} train {r['train_seconds']:.0f} s  "
                         + ' '.join(f"{f} {v['accuracy']:.2f}" for f, v in r['families'].items()))
    print('training step: ' + ', '.join(f'{v} {s:.3f} s ({res["speed_vs_first"][v]:.2f}x)' for v, s in sec.items()))

if __name__ == '__main__':
    main_variants(__file__, __doc__, {v: model_kw(v) for v in VARIANTS}, 'results/tiny_cmm.json', 'runs/tiny_cmm', extra=lambda v: dict(cmm=VARIANTS[v]))
