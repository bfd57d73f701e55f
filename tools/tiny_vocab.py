"""The tiny preset's T5 head with the whole MiniLM vocabulary or a trimmed one, and with 16-pixel patches, on SynthRad.

    python tools/tiny_vocab.py [--seeds 0 1] [--variants full trim full-patch16 trim-patch16 trim-patch16-e6] [--procs 2] [--out results/tiny_vocab.json]

Trains the main job's configuration (`cmi_mtl.train.train`, tiny preset, the generated SynthRad set) once
per (variant, seed), `--procs` runs at a time, each with one thread. `full` is the T5 head writing any of the
MiniLM tokenizer's 30,522 tokens (the preset before this check); `trim` keeps only the tokens of the training
answers (`CMIMTLConfig.trim_answer_vocab`); `full-patch16` and `trim-patch16` embed the image as 7x7 patches of 16
pixels with one linear map instead of the convolutional stem (cheaper, see tools/tiny_stem.py); `trim-patch16-e6`
trains that for 6 epochs instead of 5 (the schedule stretched to the run's length).
Records validation and test accuracy (the choice is made on validation), the test accuracy of each SynthRad
question family, and the seconds of one training step of each variant, timed in turns in this one process
on the same SynthRad batches (one thread, best of `--rounds`), as a speed ratio against the first variant.
The runs go to runs/tiny_vocab/; a finished run with the same model and training configs is reused
(`cmi_mtl.experiments.run_matches`), not trained again.
"""
from tiny_cmm import main_variants   # the command line shared by the variant checks (tools/tiny_cmm.py)
from tiny_stem import PATCH16, STEM   # the two image embeddings, spelled out (the preset has changed since)

THEN = dict(image_skip=False, train=dict(epochs=5))   # the preset then in what this check did not vary (it has changed since: tools/tiny_skip.py)
VARIANTS = {'full': THEN | dict(trim_answer_vocab=False, image=STEM), 'trim': THEN | dict(trim_answer_vocab=True, image=STEM),
            'full-patch16': THEN | dict(trim_answer_vocab=False, image=PATCH16), 'trim-patch16': THEN | dict(trim_answer_vocab=True, image=PATCH16),
            'trim-patch16-e6': THEN | dict(trim_answer_vocab=True, image=PATCH16, train=dict(epochs=6))}

if __name__ == '__main__': main_variants(__file__, __doc__, VARIANTS, 'results/tiny_vocab.json', 'runs/tiny_vocab')
