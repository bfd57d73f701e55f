import os, pytest
from pathlib import Path

os.environ.setdefault('HF_HUB_OFFLINE', '1')
os.environ.setdefault('OMP_WAIT_POLICY', 'PASSIVE')

@pytest.fixture(scope='session')
def small_synthrad(tmp_path_factory):
    "A small SynthRad dataset (40/8/8 images) in a private cache."
    os.environ['CMI_MTL_CACHE'] = str(tmp_path_factory.mktemp('cache'))
    from cmi_mtl.synthrad import SynthRadConfig, synthrad_root
    return synthrad_root(SynthRadConfig(n_train=40, n_val=8, n_test=8))
