"""The tiny preset trained for fewer epochs (its learning-rate schedule compressed to match), on SynthRad, per question family.

    python tools/tiny_epochs.py [--seeds 0 1] [--variants e6 e5 e4] [--procs 2] [--out results/tiny_epochs.json]

Trains the main job's configuration (`cmi_mtl.train.train`, tiny preset, the generated SynthRad set) once
per (variant, seed), `--procs` runs at a time, each with one thread, for 6, 5 or 4 epochs: warm-up and linear
decay span the run whatever its length, and the learning rate stays 1.4e-3. The question is what the main job
loses by training fewer steps, to fit its wall-time budget on a slower machine. Records validation and test
accuracy (the choice is made on validation), the test accuracy of each SynthRad question family, and the
seconds of one training step (the same model in every variant, so the ratio is about 1: the time saved is
the steps not taken). The runs go to runs/tiny_epochs/; a finished run with the same model and training
configs is reused (`cmi_mtl.experiments.run_matches`), not trained again.
"""
from tiny_cmm import main_variants   # the command line shared by the variant checks (tools/tiny_cmm.py)

VARIANTS = {f'e{n}': dict(train=dict(epochs=n)) for n in (6, 5, 4)}

if __name__ == '__main__': main_variants(__file__, __doc__, VARIANTS, 'results/tiny_epochs.json', 'runs/tiny_epochs',
                                         extra=lambda v: dict(epochs=VARIANTS[v]['train']['epochs']))
