"""Linear probes for lesion shape in a trained SynthRad run: is shape in the image tokens, the queries, the fused feature?

    python tools/shape_probe.py [--run runs/main] [--out results/shape_probe.json]

The tiny preset answers SynthRad's shape questions at about chance level, on training images too. This asks where the
information is lost. For every shape question of the training split (the large lesion of a named organ: round, oval
or irregular) it runs the run's model in eval mode and keeps: the image tokens (after `image_norm`) of the 3x3 token
neighbourhood centred on the token the lesion's mask covers most; the mean of the tokens weighted by mask coverage; the
question-aware QQ-Former queries; and the fused feature x^f the classifier reads. A multinomial logistic regression
(L-BFGS, L2) is fitted on the first 75% of the questions and scored on the rest, for each feature. Chance is about 1/3.
"""
import argparse, json, sys
from pathlib import Path
import numpy as np, torch, torch.nn.functional as F
from PIL import Image

def probe(X, y, n, l2=1e-3):
    "Held-out and training accuracy of an L2-regularised softmax regression fitted on the first n rows."
    X = (X - X[:n].mean(0)) / (X[:n].std(0) + 1e-6)
    W = torch.zeros(X.shape[1], int(y.max()) + 1, requires_grad=True); b = torch.zeros(W.shape[1], requires_grad=True)
    opt = torch.optim.LBFGS([W, b], max_iter=500)
    def closure():
        opt.zero_grad(); l = F.cross_entropy(X[:n] @ W + b, y[:n]) + l2 * W.square().sum(); l.backward(); return l
    opt.step(closure)
    acc = lambda s: ((X[s] @ W + b).argmax(-1) == y[s]).float().mean().item()
    return dict(dim=X.shape[1], train=acc(slice(0, n)), held_out=acc(slice(n, None)))

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('--run', default='runs/main'); p.add_argument('--out', default='results/shape_probe.json')
    a = p.parse_args()
    from cmi_mtl.model import CMIMTL
    from cmi_mtl.cmm import pool_fused
    from cmi_mtl.data import load_image
    torch.manual_seed(0)
    run = Path(a.run); m = CMIMTL.load(run).eval()
    root = Path(json.loads((run/'metrics.json').read_text())['root'])
    recs = [r for r in json.loads((root/'train.json').read_text()) if r['family'] == 'shape']
    labels = sorted({r['answer'] for r in recs})
    S = m.cfg.image.img_size; g = m.image_encoder.grid_size[0]; n0 = m.image_encoder.num_tokens - g * g   # prefix tokens
    feats = {k: [] for k in ('tokens_3x3', 'tokens_mask_mean', 'queries', 'xf')}; ys = []
    with torch.no_grad():
        for i in range(0, len(recs), 32):
            rs = recs[i:i + 32]
            px = torch.stack([m.image_transform(load_image(root/r['image'])) for r in rs])
            tok = m.text_encoder.tokenizer([r['question'] for r in rs], padding='longest', return_tensors='pt')
            v, t_raw, t_mask = m.encode(dict(pixel_values=px, input_ids=tok['input_ids'], attention_mask=tok['attention_mask']), dedup=False)
            if m.cfg.image_norm: v = m.image_norm(v)                                   # (B, N, Dv)
            z, z2, zm, t2, tm = m.fuse(v, t_raw, t_mask)                                # (B, K, D) ...
            xf = pool_fused(z2, zm, t2, tm)                                             # (B, 2D)
            for j, r in enumerate(rs):
                mk = torch.tensor(np.array(Image.open(root/r['mask']).convert('L').resize((S, S))) > 0).float()
                cov = F.adaptive_avg_pool2d(mk[None, None], g)[0, 0]                  # (g, g) share of each token covered
                grid = v[j, n0:].reshape(g, g, -1)                                      # (g, g, Dv)
                cy, cx = divmod(int(cov.argmax()), g); cy, cx = min(max(cy, 1), g - 2), min(max(cx, 1), g - 2)
                feats['tokens_3x3'].append(grid[cy - 1:cy + 2, cx - 1:cx + 2].flatten())
                feats['tokens_mask_mean'].append((grid * (cov / cov.sum())[..., None]).sum((0, 1)))
                feats['queries'].append(z[j].flatten()); feats['xf'].append(xf[j])
                ys.append(labels.index(r['answer']))
    y = torch.tensor(ys); n = int(0.75 * len(y))
    res = dict(command='python tools/shape_probe.py ' + ' '.join(sys.argv[1:]), run=str(run), git_commit=json.loads((run/'metrics.json').read_text())['git_commit'],
               labels=labels, n_train=n, n_held_out=len(y) - n, majority_held_out=max((y[n:] == c).float().mean().item() for c in range(len(labels))),
               probes={k: probe(torch.stack(X), y, n) for k, X in feats.items()})
    Path(a.out).parent.mkdir(parents=True, exist_ok=True); Path(a.out).write_text(json.dumps(res, indent=1) + '\n')
    for k, r in res['probes'].items(): print(f"{k:>17}: {r['dim']:>4} dims, probe train {r['train']:.3f}, held-out {r['held_out']:.3f}")
    print(f"majority class on the held-out questions: {res['majority_held_out']:.3f}")

if __name__ == '__main__': main()
