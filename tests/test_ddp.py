"DDP through torchrun (gloo, 2 CPU processes) computes what one process computes with the same global batch."
import json, os, shutil, subprocess, sys
from pathlib import Path
import pytest

def _run(cmd, env):
    r = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=900)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]

def test_ddp_matches_single_process(small_synthrad, tmp_path):
    exe = shutil.which('cmi-mtl')
    torchrun = shutil.which('torchrun')
    if exe is None or torchrun is None: pytest.skip('cmi-mtl / torchrun not on PATH')
    env = os.environ | dict(OMP_NUM_THREADS='1')
    args = ['train', '--root', str(small_synthrad), '--epochs', '2', '--batch-size', '8', '--seed', '3']
    _run([exe, *args, '--out', str(tmp_path/'one')], env)
    _run([torchrun, '--nproc_per_node', '2', '--standalone', '--no-python', exe, *args, '--out', str(tmp_path/'two')], env)
    one, two = (json.loads((tmp_path/d/'metrics.json').read_text()) for d in ('one', 'two'))
    assert two['world_size'] == 2 and one['world_size'] == 1
    for split in ('val', 'test'):
        for k in ('open', 'closed', 'overall'): assert one[split][k] == two[split][k], (split, k, one[split], two[split])
    h1, h2 = ((tmp_path/d/'history.csv').read_text().splitlines() for d in ('one', 'two'))
    import csv
    r1, r2 = list(csv.DictReader(h1)), list(csv.DictReader(h2))
    for a, b in zip(r1, r2):
        for k in ('loss', 'loss_cls', 'loss_vtc', 'loss_aux'):
            assert abs(float(a[k]) - float(b[k])) <= 1e-4 * max(1, abs(float(a[k]))), (k, a[k], b[k])
