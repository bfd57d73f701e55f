"""The max-pooled image feature beside the fused feature (`image_skip`), with 16-pixel patches and with the conv stem, on SynthRad.

    python tools/tiny_skip.py [--seeds 0 1] [--variants patch16 patch16-skip stem stem-skip stem-skip-e6 stem-skip-e8 stem-gate-e6] [--procs 2] [--out results/tiny_skip.json]

Trains the main job's configuration (`cmi_mtl.train.train`, tiny preset, the generated SynthRad set) once
per (variant, seed), `--procs` runs at a time, each with one thread. Each variant spells out its image embedding
(tools/tiny_stem.py's `PATCH16`, 16-px patches, or `STEM`, four stride-2 convolutions; both a 7x7 token grid) and
`image_skip` (x^f also gets a linear map of the image tokens' channel-wise max, `cmi_mtl.model.CMIMTLConfig`):
`patch16` is the preset before this check (five epochs), `patch16-skip`, `stem` and `stem-skip` change one or both,
`stem-skip-e6`, `stem-skip-e8` train the last for six or eight epochs, and `stem-gate-e6` (six epochs) scales the
skip per channel by a gate of the pooled fused question (`image_skip_gate`). tools/shape_readout.py found that only a
max over the image tokens learns lesion shape in this budget; the QQ-Former reads them through attention.
Records validation and test accuracy (the choice is made on validation), the test accuracy of each SynthRad
question family, and the seconds of one training step of each model, timed in turns in this one process on the
same SynthRad batches (one thread, best of `--rounds`), as a speed ratio against the first variant.
The runs go to runs/tiny_skip/; a finished run with the same model and training configs is reused
(`cmi_mtl.experiments.run_matches`), not trained again.
"""
from tiny_cmm import main_variants   # the command line shared by the variant checks (tools/tiny_cmm.py)
from tiny_stem import PATCH16, STEM  # the two image embeddings (tools/tiny_stem.py)

OFF = dict(image_skip_gate=False)   # what the first runs of this check had, spelled out: the preset has changed since (the gate, six epochs)
E5 = dict(train=dict(epochs=5))
VARIANTS = {'patch16': dict(image=PATCH16, image_skip=False, **OFF, **E5), 'patch16-skip': dict(image=PATCH16, image_skip=True, **OFF, **E5),
            'stem': dict(image=STEM, image_skip=False, **OFF, **E5), 'stem-skip': dict(image=STEM, image_skip=True, **OFF, **E5),
            'stem-skip-e6': dict(image=STEM, image_skip=True, **OFF, train=dict(epochs=6)),
            'stem-skip-e8': dict(image=STEM, image_skip=True, **OFF, train=dict(epochs=8)),
            'stem-gate-e6': dict(image=STEM, image_skip=True, image_skip_gate=True, train=dict(epochs=6))}

if __name__ == '__main__': main_variants(__file__, __doc__, VARIANTS, 'results/tiny_skip.json', 'runs/tiny_skip')
