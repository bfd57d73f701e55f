"""Project upkeep that nbdev 2 cannot do offline: README.md from nbs/index.ipynb, the quick start
commands CI runs, config agreement, and notebook processing for the docs site without Quarto.

    python tools/readme.py write         # README.md <- nbs/index.ipynb
    python tools/readme.py check         # exit 1 if README.md is stale
    python tools/readme.py quickstart N  # print the N-th quick start command (CI runs it)
    python tools/readme.py check-config  # settings.ini and pyproject.toml agree
    python tools/readme.py proc-nbs      # nbdev_proc_nbs without its Quarto install step
    python tools/readme.py vendor-katex [SITE]  # after `smalldocs render _proc`: KaTeX served by the site itself
"""
import configparser, json, os, re, shutil, subprocess, sys, tarfile, tempfile, tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NB, README = ROOT/'nbs'/'index.ipynb', ROOT/'README.md'
HEADER = '<!-- Generated from nbs/index.ipynb by `python tools/readme.py write`: edit the notebook, not this file. -->\n\n'

def _text(x): return ''.join(x) if isinstance(x, list) else x

def _drop_directives(src):
    return '\n'.join(l for l in src.splitlines() if not l.startswith('#|')).strip('\n')

def repo_links(md):
    "Links of the index notebook are relative to `nbs/` (the docs site's root); the README sits one folder up."
    return re.sub(r'(\]\()(?![a-z][a-z0-9+.-]*:|#|/)', r'\1nbs/', md)

def render(nb_path=NB):
    "README text from the index notebook: markdown as is (links made relative to the repository), code in python blocks, text outputs after them."
    nb, parts = json.loads(Path(nb_path).read_text()), []
    for c in nb['cells']:
        src = _text(c['source'])
        if c['cell_type'] == 'markdown': parts.append(repo_links(src.strip('\n'))); continue
        if c['cell_type'] != 'code' or re.search(r'^#\|\s*(hide|include:\s*false)', src, re.M): continue
        code = _drop_directives(src)
        if code and not re.search(r'^#\|\s*echo:\s*false', src, re.M): parts.append(f'```python\n{code}\n```')
        for o in c.get('outputs', []):
            txt = _text(o.get('text', '')) or _text(o.get('data', {}).get('text/markdown', '')) \
                  or _text(o.get('data', {}).get('text/plain', ''))
            if not txt.strip(): continue
            parts.append(repo_links(txt.strip('\n')) if 'text/markdown' in o.get('data', {}) else f'```\n{txt.rstrip()}\n```')
    return HEADER + '\n\n'.join(parts) + '\n'

def quickstart(n):
    "The n-th command (1-based) of the first ```sh block under '## Quick start' in README.md."
    txt = README.read_text()
    sec = txt.split('## Quick start', 1)[1]
    block = re.search(r'```(?:sh|bash)\n(.*?)```', sec, re.S).group(1)
    cmds = [l for l in block.splitlines() if l.strip() and not l.lstrip().startswith('#')]
    return cmds[n - 1]

def check_config():
    ini = configparser.ConfigParser(); ini.read(ROOT/'settings.ini'); s = ini['DEFAULT']
    proj = tomllib.loads((ROOT/'pyproject.toml').read_text())['project']
    init = (ROOT/s['lib_path']/'__init__.py').read_text()
    errs = []
    ver = re.search(r'__version__\s*=\s*"([^"]+)"', init).group(1)
    if ver != s['version']: errs.append(f'cmi_mtl/__init__.py version {ver} != settings.ini {s["version"]}')
    if proj.get('dynamic') != ['version'] or 'version' in proj: errs.append('pyproject must take the version dynamically')
    if proj['name'] != s['lib_name']: errs.append(f'pyproject name {proj["name"]} != settings.ini lib_name')
    if proj['requires-python'] != f'>={s["min_python"]}': errs.append('requires-python != settings.ini min_python')
    for k in ('requirements', 'dev_requirements', 'pip_requirements', 'conda_requirements'):
        if s.get(k): errs.append(f'settings.ini declares {k}: requirements live only in pyproject.toml')
    for e in errs: print('config:', e)
    if errs: sys.exit(1)
    print('config: settings.ini and pyproject.toml agree (version', ver + ')')

def proc_nbs():
    "What `nbdev_proc_nbs` does, minus its attempt to install Quarto."
    from nbdev.quarto import refresh_quarto_yml, nbdev_sidebar, proc_nbs
    from nbdev.config import get_config
    import nbdev.doclinks
    refresh_quarto_yml(); nbdev.doclinks._build_modidx()
    path = get_config().nbs_path
    nbdev_sidebar.__wrapped__(path=path); proc_nbs(path, n_workers=0)
    drop_output_file(ROOT/'_proc')

def drop_output_file(proc):
    "Remove nbdev's `output-file` front matter (`scan.html` for 04_scan): smalldocs names a page after its notebook anyway and warns about the key."
    for f in Path(proc).glob('*.ipynb'):
        nb = json.loads(f.read_text())
        fm = next((c for c in nb['cells'] if c['cell_type'] == 'raw' and _text(c['source']).startswith('---')), None)
        if fm is None or 'output-file:' not in _text(fm['source']): continue
        fm['source'] = re.sub(r'^output-file:.*\n', '', _text(fm['source']), flags=re.M)
        f.write_text(json.dumps(nb, indent=1, ensure_ascii=False))

def katex_dist(version):
    "KaTeX's `dist` folder from the npm registry (`npm pack katex@VERSION`), cached under $CMI_MTL_CACHE/katex/VERSION."
    cache = Path(os.environ.get('CMI_MTL_CACHE', '~/.cache/cmi_mtl')).expanduser()/'katex'/version
    if (cache/'katex.min.js').is_file(): return cache
    with tempfile.TemporaryDirectory() as d:
        subprocess.run(['npm', 'pack', f'katex@{version}', '--pack-destination', d], check=True, capture_output=True)
        with tarfile.open(next(Path(d).glob('katex-*.tgz'))) as tf: tf.extractall(d, filter='data')
        shutil.rmtree(cache, ignore_errors=True); cache.parent.mkdir(parents=True, exist_ok=True)
        shutil.copytree(Path(d)/'package'/'dist', cache)
    return cache

def vendor_katex(site=ROOT/'_proc'/'_docs'):
    "Point the pages that load KaTeX from smalldocs' CDN at a copy in `site_libs/katex` (same version), so maths renders offline."
    from smalldocs.layout import KATEX   # https://cdn.jsdelivr.net/npm/katex@VERSION/dist
    site = Path(site)
    pages = [p for p in site.rglob('*.html') if KATEX in p.read_text()]
    if not pages: print('vendor-katex: no page loads KaTeX'); return
    dist, dest = katex_dist(re.search(r'katex@([\w.-]+)', KATEX).group(1)), site/'site_libs'/'katex'
    shutil.rmtree(dest, ignore_errors=True); (dest/'contrib').mkdir(parents=True)
    for f in ('katex.min.css', 'katex.min.js', 'contrib/auto-render.min.js'): shutil.copy2(dist/f, dest/f)
    shutil.copytree(dist/'fonts', dest/'fonts')
    for p in pages:
        html = p.read_text()
        m = re.search(r'<meta name="smalldocs:offset" content="([^"]*)"', html)
        offset = m.group(1) if m else '../' * (len(p.relative_to(site).parts) - 1)
        p.write_text(html.replace(KATEX, f'{offset}site_libs/katex'))
    print(f'vendor-katex: {len(pages)} page(s) use site_libs/katex ({dist.name})')

if __name__ == '__main__':
    cmd = sys.argv[1] if len(sys.argv) > 1 else 'write'
    if cmd == 'write': README.write_text(render()); print('wrote', README)
    elif cmd == 'check':
        if README.read_text() != render(): print('README.md is stale: run `python tools/readme.py write`'); sys.exit(1)
        print('README.md is in sync with nbs/index.ipynb')
    elif cmd == 'quickstart': print(quickstart(int(sys.argv[2])))
    elif cmd == 'check-config': check_config()
    elif cmd == 'proc-nbs': proc_nbs()
    elif cmd == 'vendor-katex': vendor_katex(*sys.argv[2:3])
    else: sys.exit(__doc__)
