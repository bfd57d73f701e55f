"The GitHub workflows parse, and the test workflow installs and tests as .ci/run and the README's quick start do."
import configparser, re, subprocess, sys
from pathlib import Path
import yaml

ROOT = Path(__file__).resolve().parent.parent
WF = ROOT/'.github'/'workflows'

def load(name):
    wf = yaml.safe_load((WF/name).read_text())
    assert isinstance(wf, dict) and wf.get('jobs'), f'{name}: no jobs'
    assert True in wf or 'on' in wf, f'{name}: no trigger (`on:`)'   # YAML 1.1 reads the key `on` as True
    return wf

def steps(wf): return [s for job in wf['jobs'].values() for s in job.get('steps', [])]
def runs(wf): return '\n'.join(s.get('run', '') for s in steps(wf))
def uses(wf): return [s['uses'].split('@')[0] for s in steps(wf) if 'uses' in s]
def commands(text):
    "Shell commands of a script, one per line and per `&&`."
    return [c.strip() for l in text.splitlines() for c in l.split('&&') if c.strip() and not c.strip().startswith('#')]

def test_test_workflow_runs_what_ci_runs():
    wf, ci = load('test.yaml'), (ROOT/'.ci'/'run').read_text()
    got = commands(runs(wf))
    quick = subprocess.run([sys.executable, str(ROOT/'tools'/'readme.py'), 'quickstart', '2'], capture_output=True, text=True, check=True).stdout
    for c in commands(quick):                       # .ci/run runs the README's command 2: pip install -e ".[dev]" && nbdev_test
        assert any(g == c or g.startswith(c + ' ') for g in got), f'test.yaml does not run {c!r}'
    for c in ('nbdev_clean', 'nbdev_export', 'git diff --exit-code'):
        assert c in got, f'test.yaml does not run {c!r}'
    for c in ('nbdev_clean', 'nbdev_export', 'quickstart 2'):
        assert c in ci, f'.ci/run does not run {c!r}'
    ini = configparser.ConfigParser(); ini.read(ROOT/'settings.ini')
    pys = [str(s.get('with', {}).get('python-version')) for s in steps(wf) if s.get('uses', '').startswith('actions/setup-python')]
    assert pys == [ini['DEFAULT']['min_python']], pys
    assert 'actions/checkout' in uses(wf)

def test_deploy_workflow_builds_and_publishes_the_docs():
    wf = load('deploy.yaml')
    assert 'nbdev_docs' in commands(runs(wf))
    assert 'pip install -e ".[dev]"' in commands(runs(wf))
    u = uses(wf)
    for a in ('actions/checkout', 'actions/setup-python', 'quarto-dev/quarto-actions/setup', 'actions/upload-pages-artifact', 'actions/deploy-pages'):
        assert a in u, f'deploy.yaml does not use {a}'
    assert u.index('quarto-dev/quarto-actions/setup') < u.index('actions/upload-pages-artifact')
    art = next(s for s in steps(wf) if s.get('uses', '').startswith('actions/upload-pages-artifact'))
    ini = configparser.ConfigParser(); ini.read(ROOT/'settings.ini')
    assert art['with']['path'] == ini['DEFAULT']['doc_path'], 'the pages artifact is not the folder nbdev_docs writes'
    assert wf['permissions'].get('pages') == 'write' and wf['permissions'].get('id-token') == 'write'
