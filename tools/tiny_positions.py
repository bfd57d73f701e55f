"""The tiny preset with and without the QQ-Former's image position codes, on SynthRad, per question family.

    python tools/tiny_positions.py [--seeds 0 1] [--scales 0 3] [--procs 2] [--out results/tiny_positions.json]

Trains the main job's configuration (`cmi_mtl.train.train`, tiny preset, the generated SynthRad set) once
per (scale, seed), `--procs` runs at a time, each with one thread, with `image_pos_scale` set to each scale
(0: no codes; 3: the preset). Records validation and test accuracy (the choice is made on validation) and
the test accuracy of each SynthRad question family. The runs go to runs/tiny_positions/.
"""
import argparse, json, os, shutil, subprocess, sys, time
from collections import defaultdict
from pathlib import Path
from cmi_mtl.evaluate import read_predictions

POOL_TRAIN_KW = dict(threads=1, num_workers=0)   # run_pool trains runs side by side: one torch thread each and no loader worker (the cores are busy), whatever the preset says

def one(scale: float, seed: int, out: str):
    "Train one run (called in a subprocess)."
    from cmi_mtl.train import train
    train(out=out, progress=False, seed=seed, model_kw=dict(qqformer=dict(image_pos_scale=scale)), **POOL_TRAIN_KW)

def families(run: Path) -> dict:
    "Test accuracy and count per SynthRad question family of a finished run."
    m = json.loads((run/'metrics.json').read_text())
    fam = {r['qid']: r['family'] for r in json.loads((Path(m['root'])/'test.json').read_text())}
    acc = defaultdict(list)
    for p in read_predictions(run/'predictions.jsonl'): acc[fam[p['qid']]].append(p['correct'])
    return {f: dict(accuracy=sum(v) / len(v), n=len(v)) for f, v in sorted(acc.items())}

def finished(out: Path, seed: int, model_kw: dict, train_kw: dict|None=None) -> bool:
    "Whether `out` holds a finished SynthRad run of the tiny preset with `model_kw`, `train_kw` and `seed`, trained by `one` (`cmi_mtl.experiments.run_matches`)."
    from cmi_mtl.experiments import run_matches
    from cmi_mtl.model import model_config
    from cmi_mtl.train import train_config
    return run_matches(out, 'synthrad', model_config('tiny', **model_kw), train_config('tiny', seed=seed, **POOL_TRAIN_KW, **(train_kw or {})))

def run_pool(script: str, todo: list[tuple], procs: int):
    "Run `script --one *job` for each job (its last item the run folder), `procs` at a time, one thread each."
    env = dict(os.environ, OMP_NUM_THREADS='1')
    running, todo = [], list(todo)
    while todo or running:
        while todo and len(running) < procs:
            job = todo.pop(0)
            if Path(job[-1]).exists(): shutil.rmtree(job[-1])   # an unfinished run (or another config): start it again
            running.append(subprocess.Popen([sys.executable, script, '--one', *map(str, job)], env=env))
        time.sleep(2)
        for r in [r for r in running if r.poll() is not None]:
            if r.returncode: sys.exit(f'a run failed: {r.args}')
            running.remove(r)

def run_row(out: Path) -> dict:
    "Validation and test accuracy, time and per-family test accuracy of a finished run."
    m = json.loads((out/'metrics.json').read_text())
    return dict(val=m['val']['overall'], test=m['test']['overall'], test_open=m['test']['open'], test_closed=m['test']['closed'],
                train_seconds=m['train_seconds'], families=families(out), run=str(out), git_commit=m['git_commit'])

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1]); p.add_argument('--scales', type=float, nargs='+', default=[0., 3.])
    p.add_argument('--procs', type=int, default=2); p.add_argument('--out', default='results/tiny_positions.json')
    p.add_argument('--runs', default='runs/tiny_positions'); p.add_argument('--one', nargs=3, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.one: return one(float(a.one[0]), int(a.one[1]), a.one[2])
    jobs = [(s, seed, Path(a.runs)/f'scale{s:g}-seed{seed}') for s in a.scales for seed in a.seeds]
    t0 = time.time()
    run_pool(__file__, [(str(s), str(seed), out) for s, seed, out in jobs if not finished(out, seed, dict(qqformer=dict(image_pos_scale=s)))], a.procs)
    rows = [dict(image_pos_scale=s, seed=seed, **run_row(out)) for s, seed, out in jobs]
    res = dict(command='python tools/tiny_positions.py ' + ' '.join(sys.argv[1:]), wall_seconds=round(time.time() - t0, 1), runs=rows)
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(res, indent=1) + '\n')
    for r in rows: print(f"scale {r['image_pos_scale']:g} seed {r['seed']}: val {r['val']:.3f} test {r['test']:.3f}  "
                         + ' '.join(f"{f} {v['accuracy']:.2f}" for f, v in r['families'].items()))

if __name__ == '__main__': main()
