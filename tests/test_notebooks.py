"Every notebook opens in JupyterLab without asking for a kernel."
import json
from pathlib import Path

NBS = sorted((Path(__file__).resolve().parents[1]/'nbs').glob('*.ipynb'))

def test_every_notebook_names_its_kernel():
    assert NBS
    for p in NBS:
        ks = json.loads(p.read_text()).get('metadata', {}).get('kernelspec', {})
        assert ks.get('name') == 'python3' and ks.get('language') == 'python', f'{p.name}: no python3 kernelspec in its metadata'
