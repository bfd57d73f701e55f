"""Can the tiny preset's image encoder learn SynthRad's lesion shapes at all, and which readout lets it? A shape classifier per encoder and pooling.

    python tools/shape_readout.py [--seeds 0 1] [--epochs 8] [--procs 2] [--out results/shape_readout.json]

The main job answers shape questions at about chance level (results/main_job.json), and tools/shape_probe.py finds no
shape in its image tokens. This takes the question away: every training image of the main job's SynthRad set whose
lesion shape a training question gives (a `shape` question, or a `shape_check` question answered yes; one kind of
lesion per image) becomes an (image, shape) pair, the first 75% for training and the rest held out (validation and
test images are not used). Each variant is an image encoder, a pooling of its output tokens and one linear layer,
trained from scratch on the shape alone with the tiny preset's optimiser settings (AdamW, lr and weight decay of
`TrainConfig.tiny`, one-cycle schedule), batches of 64 images, one thread:

- `patch16-cls`, `patch16-mean`, `patch16-max`, `patch16-attn`: the tiny preset's ViT (16-px patches), read by its
  class token, the mean or the channel-wise max of its patch tokens, or one learned query attending to them (the
  kind of readout the QQ-Former's cross-attention is);
- `stem-cls`, `stem-max`, `stem-attn`: the same ViT behind the four-convolution stem of tools/tiny_stem.py;
- `cnn-max`, `cnn-mean`: the stem's four convolutions alone (no transformer), max- or mean-pooled: a reference.

Records the held-out accuracy after every epoch and the seconds, per variant and seed, `--procs` seeds at a time.
"""
import argparse, json, shutil, sys, time
from pathlib import Path
from tiny_positions import run_pool   # runs `--one` jobs a few at a time, one thread each (tools/tiny_positions.py)
from tiny_stem import PATCH16, STEM  # the two image embeddings of tools/tiny_stem.py, spelled out (the preset has changed since)

SHAPES = ('round', 'oval', 'irregular')
VARIANTS = ('patch16-cls', 'patch16-mean', 'patch16-max', 'patch16-attn', 'stem-cls', 'stem-max', 'stem-attn', 'cnn-max', 'cnn-mean')

def pairs(root: Path) -> list[tuple[str, int]]:
    "(image, shape index) for every training image whose shape a training question states, in image order."
    out = {}
    for r in json.loads((root/'train.json').read_text()):
        if r['family'] == 'shape': out[r['image']] = SHAPES.index(r['answer'])
        elif r['family'] == 'shape_check' and r['answer'] == 'yes':
            out[r['image']] = next(i for i, s in enumerate(SHAPES) if f' {s}' in r['question'])
    return sorted(out.items())

def build(variant: str):
    "The encoder + pooling + linear classifier of `variant`, and its image transform."
    import torch, torch.nn as nn
    from cmi_mtl.data import ImageTransform
    from cmi_mtl.encoders import ImageEncoder
    from cmi_mtl.model import tiny_config
    body, pool = variant.split('-')
    enc = ImageEncoder(tiny_config(image=STEM if body in ('stem', 'cnn') else PATCH16).image)
    tf = ImageTransform.from_data_config(enc.data_config)
    D = enc.out_dim
    class Classifier(nn.Module):
        def __init__(self):
            super().__init__()
            self.enc = enc.model.patch_embed.backbone if body == 'cnn' else enc   # the stem's convolutions alone
            if pool == 'attn': self.q, self.attn = nn.Parameter(torch.randn(1, 1, D) * 0.02), nn.MultiheadAttention(D, 3, batch_first=True)
            self.fc = nn.Linear(D, len(SHAPES))
        def forward(self, x):                                                            # (B, 3, H, W)
            if body == 'cnn': v = self.enc(x).flatten(2).transpose(1, 2)                  # (B, 49, D) conv map
            else: v = self.enc(x); v = v if pool == 'cls' else v[:, enc.num_prefix_tokens:]   # (B, N, D)
            if pool == 'cls': h = v[:, 0]
            elif pool == 'mean': h = v.mean(1)
            elif pool == 'max': h = v.amax(1)
            else: h = self.attn(self.q.expand(len(v), -1, -1), v, v, need_weights=False)[0][:, 0]
            return self.fc(h)                                                             # (B, 3)
    return Classifier(), tf

def one(seed: int, epochs: int, out: str):
    "Train every variant with `seed` (called in a subprocess); write the rows to `out`/rows.json."
    import torch, torch.nn.functional as F
    from cmi_mtl.data import load_image
    from cmi_mtl.synthrad import SynthRadConfig, synthrad_root
    from cmi_mtl.train import SYNTHRAD_TRAIN_IMAGES, TrainConfig
    torch.set_num_threads(1)
    root = synthrad_root(SynthRadConfig(n_train=SYNTHRAD_TRAIN_IMAGES))
    P = pairs(root); n = int(0.75 * len(P)); tc = TrainConfig.tiny()
    y, images, rows = torch.tensor([s for _, s in P]), {}, []                             # (M,)
    for v in VARIANTS:
        torch.manual_seed(seed)
        m, tf = build(v)
        key = (tf.size, tf.mean, tf.std, tf.interpolation)   # the variants share one transform: the images are read once
        if key not in images: images[key] = torch.stack([tf(load_image(root/p)) for p, _ in P])   # (M, 3, H, W)
        X = images[key]
        opt = torch.optim.AdamW(m.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, tc.lr, total_steps=epochs * -(-n // 64), pct_start=tc.warmup_ratio)
        g, t0, curve = torch.Generator().manual_seed(seed), time.time(), []
        for ep in range(epochs):
            m.train()
            for b in torch.randperm(n, generator=g).split(64):
                loss = F.cross_entropy(m(X[b]), y[b]); opt.zero_grad(); loss.backward(); opt.step(); sched.step()
            m.eval()
            with torch.no_grad(): curve.append(round((m(X[n:]).argmax(-1) == y[n:]).float().mean().item(), 4))
        with torch.no_grad(): train_acc = (m(X[:n]).argmax(-1) == y[:n]).float().mean().item()
        rows.append(dict(variant=v, seed=seed, held_out=curve[-1], held_out_by_epoch=curve, train=round(train_acc, 4),
                         seconds=round(time.time() - t0, 1)))
        print(f"{v} seed {seed}: held-out {curve}, train {train_acc:.3f}, {time.time() - t0:.0f} s", flush=True)
    Path(out).mkdir(parents=True, exist_ok=True)
    (Path(out)/'rows.json').write_text(json.dumps(dict(n_train=n, n_held_out=len(P) - n, rows=rows)))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--seeds', type=int, nargs='+', default=[0, 1]); p.add_argument('--epochs', type=int, default=8)
    p.add_argument('--procs', type=int, default=2); p.add_argument('--out', default='results/shape_readout.json')
    p.add_argument('--one', nargs=3, help=argparse.SUPPRESS)
    a = p.parse_args()
    if a.one: return one(int(a.one[0]), int(a.one[1]), a.one[2])
    t0 = time.time()
    tmp = [Path(a.out).with_suffix(f'.seed{s}.tmp') for s in a.seeds]   # one folder per seed, removed at the end
    run_pool(__file__, [(s, a.epochs, f) for s, f in zip(a.seeds, tmp)], a.procs)
    parts = [json.loads((f/'rows.json').read_text()) for f in tmp]
    from cmi_mtl.train import TrainConfig
    tc = TrainConfig.tiny()
    res = dict(command='python tools/shape_readout.py ' + ' '.join(sys.argv[1:]), wall_seconds=round(time.time() - t0, 1),
               labels=list(SHAPES), n_train=parts[0]['n_train'], n_held_out=parts[0]['n_held_out'], epochs=a.epochs, batch_images=64,
               lr=tc.lr, weight_decay=tc.weight_decay, rows=[r for q in parts for r in q['rows']])
    res['mean_held_out'] = {v: round(sum(r['held_out'] for r in res['rows'] if r['variant'] == v) / len(a.seeds), 4) for v in VARIANTS}
    Path(a.out).write_text(json.dumps(res, indent=1) + '\n')
    for f in tmp: shutil.rmtree(f)
    for v, acc in res['mean_held_out'].items(): print(f'{v:14s} held-out {acc:.3f}')

if __name__ == '__main__': main()
