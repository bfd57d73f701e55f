"""The tiny preset's ViT with 16-pixel patches or with a convolutional stem, on SynthRad, per question family.

    python tools/tiny_stem.py [--seeds 0 1] [--variants patch16 stem stem-narrow] [--procs 2] [--out results/tiny_stem.json]

Trains the main job's configuration (`cmi_mtl.train.train`, tiny preset, the generated SynthRad set) once
per (variant, seed), `--procs` runs at a time, each with one thread. `patch16` embeds the 112-px image as
7x7 patches of 16 pixels with one linear map (the preset before this check, and again from tools/tiny_vocab.py to tools/tiny_skip.py);
`stem` replaces that with four stride-2 3x3 convolutions with 24, 48, 96 and 96 channels
(`ImageEncoderConfig.conv_stem`), the same 7x7 token grid (the preset from this check to tools/tiny_vocab.py, and again since tools/tiny_skip.py); `stem-narrow` is the same stem with 16, 32, 64 and 96 channels (about half its multiply-adds).
Records validation and test accuracy (the choice is made on validation), the test accuracy of each SynthRad
question family, and the seconds of one training step of each variant, timed in turns in this one process
on the same SynthRad batches (one thread, best of `--rounds`), as a speed ratio against the first variant.
The runs go to runs/tiny_stem/; a finished run with the same model and training configs is reused
(`cmi_mtl.experiments.run_matches`), not trained again.
"""
from tiny_cmm import main_variants   # the command line shared by the variant checks (tools/tiny_cmm.py)
from cmi_mtl.model import tiny_config

_OVERRIDES = {k: v for k, v in tiny_config().image.overrides.items() if k != 'patch_size'}   # the ViT (its stem sets its own patch size)
PATCH16 = dict(conv_stem=(), overrides=_OVERRIDES | dict(patch_size=16))   # 16-px patches (the tiny preset from tools/tiny_vocab.py to tools/tiny_skip.py)
STEM = dict(conv_stem=(24, 48, 96, 96), overrides=_OVERRIDES)               # the stem of the preset from this check to tools/tiny_vocab.py, and since tools/tiny_skip.py
VARIANTS = {'patch16': dict(image=PATCH16), 'stem': dict(image=STEM), 'stem-narrow': dict(image=STEM | dict(conv_stem=(16, 32, 64, 96)))}

if __name__ == '__main__': main_variants(__file__, __doc__, VARIANTS, 'results/tiny_stem.json', 'runs/tiny_stem')
