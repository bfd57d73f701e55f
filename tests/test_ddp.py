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

def _bn_rank(rank, world, port, x, out):
    "One rank of the BatchNorm check: its share of the batch through `GatheredBatchNormAct2d`, a loss summed over the batch."
    import torch, torch.distributed as dist
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    dist.init_process_group('gloo', rank=rank, world_size=world)
    try:
        from cmi_mtl.encoders import GatheredBatchNormAct2d
        bn = GatheredBatchNormAct2d(x.shape[1]).train()
        xs = x.chunk(world)[rank].clone().requires_grad_()
        y = bn(xs); (y.square() * torch.arange(y.numel()).view_as(y).float().cos()).sum().backward()
        torch.save(dict(y=y.detach(), gx=xs.grad, gw=bn.weight.grad, gb=bn.bias.grad, rm=bn.running_mean, rv=bn.running_var), f'{out}/{rank}.pt')
    finally: dist.destroy_process_group()

def test_gathered_batchnorm_matches_one_process(tmp_path):
    "The convolutional stem's BatchNorm under DDP (gloo, 2 CPU processes) normalises, and back-propagates, as one process with the global batch."
    import socket, torch, torch.multiprocessing as mp
    from cmi_mtl.encoders import GatheredBatchNormAct2d
    torch.manual_seed(0); x = torch.randn(6, 3, 5, 5) * 2 + 1
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]
    mp.spawn(_bn_rank, args=(2, port, x, str(tmp_path)), nprocs=2, join=True)
    r = [torch.load(tmp_path/f'{i}.pt') for i in range(2)]
    bn = GatheredBatchNormAct2d(3).train(); xg = x.clone().requires_grad_()
    y = bn(xg); (y.square() * torch.cat([torch.arange(a['y'].numel()).view_as(a['y']).float().cos() for a in r])).sum().backward()
    torch.testing.assert_close(torch.cat([a['y'] for a in r]), y.detach(), rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(torch.cat([a['gx'] for a in r]), xg.grad, rtol=1e-4, atol=1e-5)
    torch.testing.assert_close(r[0]['gw'] + r[1]['gw'], bn.weight.grad, rtol=1e-4, atol=1e-5)   # DDP sums (then averages) the ranks' gradients
    torch.testing.assert_close(r[0]['gb'] + r[1]['gb'], bn.bias.grad, rtol=1e-4, atol=1e-5)
    for a in r: torch.testing.assert_close(a['rm'], bn.running_mean); torch.testing.assert_close(a['rv'], bn.running_var)
