"""Run the main job exactly as the README says (`cmi-mtl train`, no arguments) and record it.

    python tools/main_job.py [--out runs/main] [--results results/main_job.json] [--keep-cache]

Writes results/main_job.json: the wall time of the whole command (start-up, SynthRad generation,
training, final evaluation), the machine, and the run's metrics.json (val/test accuracy, the
question-only baseline). The README's figures are read from that file. As on a fresh machine, the
cached SynthRad set the command trains on is deleted first, so its generation is part of the wall
time (`--keep-cache` keeps it).
"""
import argparse, json, os, platform, shutil, subprocess, sys, time
from pathlib import Path
from tiny_positions import families   # test accuracy per SynthRad question family (tools/tiny_positions.py)

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--out', default='runs/main'); p.add_argument('--results', default='results/main_job.json')
    p.add_argument('--keep-cache', action='store_true', help='do not delete the cached SynthRad set first')
    a = p.parse_args()
    out = Path(a.out)
    if out.exists(): shutil.rmtree(out)
    exe = shutil.which('cmi-mtl') or sys.exit('cmi-mtl is not installed')
    from cmi_mtl.synthrad import SynthRadConfig, synthrad_cache_dir
    from cmi_mtl.train import SYNTHRAD_TRAIN_IMAGES
    cache = synthrad_cache_dir(SynthRadConfig(n_train=SYNTHRAD_TRAIN_IMAGES))   # what `cmi-mtl train` generates and reads
    fresh = not a.keep_cache
    if fresh and cache.exists(): shutil.rmtree(cache)
    t0 = time.time()
    r = subprocess.run([exe, 'train', '--out', str(out)], text=True, capture_output=True)
    wall = time.time() - t0
    sys.stdout.write(r.stdout[-4000:]); sys.stderr.write(r.stderr[-2000:])
    if r.returncode: sys.exit(r.returncode)
    m = json.loads((out/'metrics.json').read_text())
    cpu = next((l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines() if l.startswith('model name')), platform.processor()) \
          if Path('/proc/cpuinfo').exists() else platform.processor()
    res = dict(command='cmi-mtl train', wall_seconds=round(wall, 1), synthrad_generated=fresh, cpus=os.cpu_count(), cpu=cpu, run_dir=str(out),
               test=m['test'], val=m['val'], baselines=m.get('baselines'), train_seconds=m['train_seconds'],
               best_epoch=m['best_epoch'], epochs=m['epochs'], seed=m['seed'], git_commit=m['git_commit'],
               gap_to_question_only=m['test']['overall'] - m['baselines']['question_only']['overall'],
               test_families=families(out), recorded_by='python tools/main_job.py')
    Path(a.results).parent.mkdir(parents=True, exist_ok=True)
    Path(a.results).write_text(json.dumps(res, indent=1) + '\n')
    print(f"wall {wall:.0f} s; test overall {m['test']['overall']:.4f}; question-only {m['baselines']['question_only']['overall']:.4f}")

if __name__ == '__main__': main()
