"""Execute notebooks in place, saving their outputs, with nbdev's skip flags honoured.

    python tools/run_nb.py nbs/09_train.ipynb [more.ipynb ...] [--flags data slow] [--cells 56 57] [--write-results]

Cells flagged with a `tst_flags` flag (settings.ini) that is not passed in --flags, cells with
`#| eval: false` and the `nbdev_export()` cell are not run and keep the outputs they had (so a `gpu`
cell run on real hardware keeps its committed output). `--cells` names flagged cells (0-based indices
in the notebook) to run anyway, e.g. one slow benchmark cell. Run `nbdev_clean` afterwards.
Cells that record figures (results/*.json) write them only when CMI_MTL_WRITE_RESULTS=1 is set: `--write-results`
sets it, so a plain run never overwrites committed results (tools/check_results_writes.py checks the cells).
"""
import argparse, configparser, os, re, sys
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell

def _directives(src: str) -> dict:
    out = {}
    for l in src.splitlines():
        m = re.match(r'^#\|\s*([\w-]+):?\s*(.*)$', l.strip())
        if not m: break
        out[m.group(1)] = m.group(2).strip()
    return out

def run(fn: Path, flags: set, cells: set=frozenset()):
    root = Path(__file__).resolve().parent.parent
    ini = configparser.ConfigParser(); ini.read(root/'settings.ini')
    all_flags = set(ini['DEFAULT'].get('tst_flags', '').split())
    skip = all_flags - flags
    nb = read_nb(fn)
    def no_eval(cell):
        if cell.cell_type != 'code': return True
        if cell.idx_ in cells: return False
        if 'nbdev_export' + '(' in cell.source: return True
        d = _directives(cell.source)
        return d.get('eval', '').lower() == 'false' or bool(skip & set(d))
    sh = CaptureShell(fn)
    cwd = os.getcwd(); os.chdir(fn.parent)
    try: sh.run_all(nb, exc_stop=True, preproc=no_eval)
    finally: os.chdir(cwd)
    write_nb(nb, fn)
    print(f'executed {fn}')

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('notebooks', nargs='+'); p.add_argument('--flags', nargs='*', default=[])
    p.add_argument('--cells', nargs='*', type=int, default=[])
    p.add_argument('--write-results', action='store_true', help='set CMI_MTL_WRITE_RESULTS=1: cells may overwrite results/')
    a = p.parse_args()
    os.environ.setdefault('HF_HUB_OFFLINE', '1')
    if a.write_results: os.environ['CMI_MTL_WRITE_RESULTS'] = '1'
    for f in a.notebooks: run(Path(f).resolve(), set(a.flags), set(a.cells))
