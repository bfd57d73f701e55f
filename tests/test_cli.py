"The installed `cmi-mtl` command: help, data, errors in one line, and the run files."
import json, shutil, subprocess
import pytest

def cli(*args, check=True):
    exe = shutil.which('cmi-mtl')
    if exe is None: pytest.skip('cmi-mtl not on PATH')
    r = subprocess.run([exe, *map(str, args)], capture_output=True, text=True, timeout=900)
    if check: assert r.returncode == 0, r.stderr[-3000:]
    return r

def test_help_lists_subcommands():
    out = cli('--help').stdout
    for c in ('train', 'eval', 'predict', 'data', 'profile', 'bench'): assert c in out
    for c in ('train', 'eval', 'predict'): assert '--help' not in cli(c, '--help').stderr

def test_data_stats_json(small_synthrad):
    d = json.loads(cli('data', 'stats', '--dataset', 'synthrad', '--root', small_synthrad, '--json').stdout)
    assert set(d['splits']) == {'train', 'val', 'test'}
    assert all({'questions', 'open', 'closed', 'images'} <= set(v) for v in d['splits'].values())

def test_errors_are_one_line(tmp_path):
    bad = tmp_path/'bad'; (bad/'images').mkdir(parents=True)
    (bad/'trainset.json').write_text('[{"qid": 1, "image_name": "../x.jpg", "question": "", "answer": "yes", "answer_type": "CLOSED"}]')
    (bad/'testset.json').write_text('not json')
    r = cli('data', 'check', '--dataset', 'vqa-rad', '--root', bad, check=False)
    assert r.returncode != 0 and 'Traceback' not in r.stderr + r.stdout
    r = cli('eval', '--run', tmp_path/'nothing', check=False)
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1 and 'Traceback' not in r.stderr

def test_train_eval_predict(small_synthrad, tmp_path):
    run = tmp_path/'run'
    cli('train', '--root', small_synthrad, '--epochs', '1', '--out', run)
    for f in ('config.json', 'model.safetensors', 'metrics.json', 'predictions.jsonl', 'history.csv', 'curves.png'): assert (run/f).is_file(), f
    m = json.loads((run/'metrics.json').read_text())
    for k in ('val', 'test', 'seed', 'train_seconds', 'device', 'git_commit'): assert k in m
    assert {'open', 'closed', 'overall'} <= set(m['test']) and 'question_only' in m['baselines']
    n_test = len(json.loads((small_synthrad/'test.json').read_text()))
    assert len((run/'predictions.jsonl').read_text().splitlines()) == n_test
    row = json.loads((run/'predictions.jsonl').read_text().splitlines()[0])
    assert {'qid', 'question', 'answer_type', 'gold', 'predicted', 'generated', 'correct'} <= set(row)
    e = json.loads(cli('eval', '--run', run, '--json').stdout)
    assert e['metrics']['overall'] == m['test']['overall']
    q = json.loads((small_synthrad/'test.json').read_text())[0]
    p = json.loads(cli('predict', '--run', run, '--image', small_synthrad/q['image'], '--question', q['question'], '--json').stdout)
    assert {'answer', 'confidence', 'generated'} <= set(p)
