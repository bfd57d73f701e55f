"""Check that executing a notebook never overwrites committed results unless asked (`CMI_MTL_WRITE_RESULTS=1`).

    python tools/check_results_writes.py [nbs/NN.ipynb ...]    # default: every nbs/*.ipynb; exit 1 on a problem

Static part. A code cell (not `#| export`: those only define) writes into the repository's `results/` or
`nbs/figures/` when it
  - passes a path there as an output: an `out*=` / `dst=` keyword, the item after '--out' in an argument list,
    the path of `write_text` / `savefig` / `to_csv` / `save` / `open(..., 'w')` / `shutil.copy*` ..., or
  - calls a library function whose output defaults to such a path (found in cmi_mtl/*.py: a parameter default
    or an `add_argument('--out', default=...)`) without naming the output.
A path "there" is a string literal (or `Path('..')/'results'/...` chain, f-string, or a name assigned one) that
starts with `results/`, `../results/`, `figures/` or `nbs/figures/`. Every such cell must read
CMI_MTL_WRITE_RESULTS (and, without it, compute and show its figures but write nowhere in the repository).

Runtime part. Each cell that reads the variable runs twice in a scratch copy of the layout (`<tmp>/nbs` as the
working directory, `<tmp>/results`), every name it does not define itself replaced by a stub that records the
arguments it is called with (so no benchmark or training runs): without the variable, no recorded path and no
file may land in `<tmp>/results` or `<tmp>/nbs/figures`; with it, the cell must aim at `<tmp>/results` (the gate
opens). `git status --porcelain` of the real repository must not change.
"""
import ast, builtins, contextlib, io, json, os, re, subprocess, sys, tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VAR = 'CMI_MTL_WRITE_RESULTS'
REPO_PATH = re.compile(r'^(\.\./)?(results|nbs/figures|figures)(/|$)')
def is_out_name(n): return bool(n) and (n.startswith('out') or n in ('dst', 'dest'))   # an output parameter
WRITE_METHODS = {'write_text', 'write_bytes', 'savefig', 'to_csv', 'to_json', 'to_parquet', 'save', 'touch', 'mkdir'}
COPIES = {'copy', 'copy2', 'copyfile', 'copytree', 'move'}

def _src(cell): return ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']

def _parse(src):
    "The cell's code as an AST (IPython magics and shell lines dropped); None when it is not Python."
    try: return ast.parse('\n'.join('' if l.lstrip().startswith(('%', '!')) else l for l in src.splitlines()))
    except SyntaxError: return None

def _path_parts(node):
    "A `/`-chain (`Path('..')/'results'/'x.json'`) as its leftmost node and the string constants along it."
    parts = []
    while isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
        parts.insert(0, node.right); node = node.left
    return node, parts

def is_repo_path(node, tainted=frozenset()):
    "Does this expression name a path under results/ or figures/ (relative to the notebook or the repository)?"
    if isinstance(node, ast.IfExp): return is_repo_path(node.body, tainted) or is_repo_path(node.orelse, tainted)
    if isinstance(node, ast.Name): return node.id in tainted
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ('Path', 'str') and node.args:
        return is_repo_path(node.args[0], tainted)
    if isinstance(node, ast.JoinedStr):
        return bool(node.values) and isinstance(node.values[0], ast.Constant) and bool(REPO_PATH.match(str(node.values[0].value)))
    if isinstance(node, ast.Constant) and isinstance(node.value, str): return bool(REPO_PATH.match(node.value))
    left, parts = _path_parts(node)
    if not parts: return False
    if is_repo_path(left, tainted): return True
    if isinstance(left, ast.Call) and isinstance(left.func, ast.Name) and left.func.id == 'Path' and left.args: left = left.args[0]
    if not (isinstance(left, ast.Constant) and isinstance(left.value, str)): return False
    strs = [left.value] + [p.value for p in parts if isinstance(p, ast.Constant) and isinstance(p.value, str)]
    return bool(REPO_PATH.match('/'.join(s.strip('/') for s in strs if s not in ('', '.'))))

def library_writers(lib=ROOT/'cmi_mtl'):
    "Functions of the library whose output defaults into results/ or figures/: {name: (param, index) or '--out'}."
    out = {}
    for f in sorted(lib.glob('*.py')):
        for fn in ast.parse(f.read_text()).body:
            if not isinstance(fn, ast.FunctionDef): continue
            a = fn.args
            pos = a.posonlyargs + a.args
            for i, (arg, d) in enumerate(zip(pos[len(pos) - len(a.defaults):], a.defaults), len(pos) - len(a.defaults)):
                if is_out_name(arg.arg) and is_repo_path(d): out[fn.name] = (arg.arg, i)
            for arg, d in zip(a.kwonlyargs, a.kw_defaults):
                if is_out_name(arg.arg) and d is not None and is_repo_path(d): out[fn.name] = (arg.arg, None)
            for n in ast.walk(fn):
                if (isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == 'add_argument' and n.args
                        and isinstance(n.args[0], ast.Constant) and n.args[0].value == '--out'
                        and any(k.arg == 'default' and is_repo_path(k.value) for k in n.keywords)):
                    out.setdefault(fn.name, '--out')
    return out

def writes(tree, writers):
    "The lines of a cell that write into results/ or figures/ (empty: the cell does not)."
    tainted = set()
    for _ in range(3):   # names assigned a repo path, also through other such names
        for n in ast.walk(tree):
            if isinstance(n, ast.Assign) and is_repo_path(n.value, tainted):
                tainted |= {t.id for t in n.targets if isinstance(t, ast.Name)}
    rp = lambda n: is_repo_path(n, tainted)
    found = set()
    for n in ast.walk(tree):
        if isinstance(n, (ast.List, ast.Tuple)):
            for a, b in zip(n.elts, n.elts[1:]):
                if isinstance(a, ast.Constant) and a.value in ('--out', '--out-dir') and rp(b): found.add(n.lineno)
        if not isinstance(n, ast.Call): continue
        f = n.func
        if any(is_out_name(k.arg) for k in n.keywords if rp(k.value)): found.add(n.lineno)
        if isinstance(f, ast.Attribute) and f.attr in WRITE_METHODS and (rp(f.value) or (n.args and rp(n.args[0]))): found.add(n.lineno)
        if isinstance(f, ast.Attribute) and f.attr in COPIES and len(n.args) > 1 and rp(n.args[1]): found.add(n.lineno)
        if isinstance(f, ast.Name) and f.id == 'open' and n.args and rp(n.args[0]):
            mode = n.args[1] if len(n.args) > 1 else next((k.value for k in n.keywords if k.arg == 'mode'), None)
            if isinstance(mode, ast.Constant) and set(str(mode.value)) & set('wax'): found.add(n.lineno)
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else None
        w = writers.get(name)
        if w == '--out':
            if n.args and isinstance(n.args[0], ast.List) and not any(isinstance(e, ast.Constant) and e.value == '--out' for e in n.args[0].elts):
                found.add(n.lineno)   # the command's default output
        elif w:
            param, idx = w
            given = next((k.value for k in n.keywords if k.arg == param), None)
            if given is None and idx is not None and idx < len(n.args): given = n.args[idx]
            if given is None or rp(given): found.add(n.lineno)
    return sorted(found)

def notebook_cells(paths):
    "(notebook, index, source, tree) of every code cell that is not an `#| export` cell."
    for p in paths:
        for i, c in enumerate(json.loads(Path(p).read_text())['cells']):
            src = _src(c)
            if c['cell_type'] != 'code' or re.search(r'^#\|\s*export', src, re.M): continue
            tree = _parse(src)
            if tree is not None: yield Path(p), i, src, tree

class Stub:
    "Stands for every name a checked cell does not define: records its calls, returns stubs, iterates as empty."
    calls = []
    def __init__(self, name): self._name = name
    def __call__(self, *a, **k): Stub.calls.append((self._name, a, k)); return Stub(f'{self._name}()')
    def __getattr__(self, n):
        if n.startswith('__'): raise AttributeError(n)
        return Stub(f'{self._name}.{n}')
    def __getitem__(self, k): return Stub(f'{self._name}[]')
    def __iter__(self): return iter(())
    def __len__(self): return 0
    def __bool__(self): return True
    def __format__(self, spec): return f'<{self._name}>'
    def __str__(self): return f'<{self._name}>'
    __repr__ = __str__
    def __enter__(self): return self
    def __exit__(self, *a): return False
    def _op(self, *a): return Stub(self._name)
    __truediv__ = __rtruediv__ = __add__ = __radd__ = __sub__ = __rsub__ = __mul__ = __rmul__ = __round__ = _op

class StubNamespace(dict):
    "Globals of a checked cell: the real builtins, os, json, Path and tempfile; a `Stub` for anything else."
    def __missing__(self, k):
        if hasattr(builtins, k): return getattr(builtins, k)
        return Stub(k)

def outputs(name, args, kwargs, writers):
    "The output paths of a recorded call, by the static part's rules (inputs such as `gpu_json=` do not count)."
    outs = [v for k, v in kwargs.items() if is_out_name(k)]
    for a in args:
        if isinstance(a, (list, tuple)): outs += [b for x, b in zip(a, a[1:]) if x in ('--out', '--out-dir')]
    last = name.rsplit('.', 1)[-1]
    if last in WRITE_METHODS and args: outs.append(args[0])
    if last in COPIES and len(args) > 1: outs.append(args[1])
    w = writers.get(last)
    if isinstance(w, tuple) and w[1] is not None and w[1] < len(args) and w[0] not in kwargs: outs.append(args[w[1]])
    return [o for o in outs if isinstance(o, (str, os.PathLike)) and str(o)]

def run_gated(nb, idx, src, env_on, writers):
    "Run the cell in a scratch layout; return (recorded paths that land in results/ or figures/, files written there)."
    with tempfile.TemporaryDirectory() as d:
        d = Path(d).resolve()
        for sub in ('nbs/figures', 'results'): (d/sub).mkdir(parents=True)
        targets = (d/'results', d/'nbs'/'figures', d/'nbs'/'results')
        old_env, old_cwd = os.environ.get(VAR), os.getcwd()
        os.environ.pop(VAR, None)
        if env_on: os.environ[VAR] = '1'
        Stub.calls = []
        ns = StubNamespace(os=os, json=json, Path=Path, tempfile=tempfile, __name__='__check__')
        os.chdir(d/'nbs')
        try:
            with contextlib.redirect_stdout(io.StringIO()): exec(compile(_parse(src), f'{nb.name}[{idx}]', 'exec'), ns)
        finally:
            os.chdir(old_cwd)
            os.environ.pop(VAR, None)
            if old_env is not None: os.environ[VAR] = old_env
        aimed = [str(p) for name, a, k in Stub.calls for p in outputs(name, a, k, writers)
                 if any(t == (d/'nbs'/p).resolve() or t in (d/'nbs'/p).resolve().parents for t in targets)]
        made = [str(f.relative_to(d)) for t in targets if t.exists() for f in t.rglob('*') if f.is_file()]
        return aimed, made

def first_line(src): return next((l for l in src.splitlines() if not l.startswith('#|')), '')

def git_status():
    return subprocess.run(['git', 'status', '--porcelain', '--untracked-files=all'], cwd=ROOT, capture_output=True, text=True).stdout

def main(paths):
    writers, problems, gated = library_writers(), [], []
    for nb, i, src, tree in notebook_cells(paths):
        lines = writes(tree, writers)
        if VAR in src: gated.append((nb, i, src))
        elif lines:
            problems.append(f'{os.path.relpath(nb, ROOT)} cell {i} ({first_line(src)!r}) writes into results/ or figures/ '
                            f'(cell line {", ".join(map(str, lines))}) without reading {VAR}')
    before = git_status()
    for nb, i, src in gated:
        where = f'{os.path.relpath(nb, ROOT)} cell {i}'
        try:
            off, on = run_gated(nb, i, src, False, writers), run_gated(nb, i, src, True, writers)
        except Exception as e:
            problems.append(f'{where}: could not run with stubs ({type(e).__name__}: {e}); keep a gated cell to the gate and the call'); continue
        if off[0] or off[1]: problems.append(f'{where}: without {VAR} it still writes there: {off[0] + off[1]}')
        elif not (on[0] or on[1]): problems.append(f'{where}: with {VAR}=1 it does not aim at results/ or figures/ (is the gate inverted?)')
        else: print(f'{where}: gated (without {VAR}: writes nothing there; with it: {(on[0] + on[1])[0]})')
    if git_status() != before: problems.append('running the gated cells changed `git status --porcelain`')
    for p in problems: print('results-writes:', p)
    if problems: sys.exit(1)
    print(f'results-writes: {len(gated)} gated cell(s); no other cell writes into results/ or nbs/figures/')

if __name__ == '__main__':
    main([Path(p).resolve() for p in sys.argv[1:]] or sorted((ROOT/'nbs').glob('*.ipynb')))
