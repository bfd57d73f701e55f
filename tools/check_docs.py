"""Check the rendered docs site in headless Chromium, offline: maths typeset by the site's own KaTeX, images loaded,
no page wider than the window (long code lines scroll inside their block).

    python tools/check_docs.py [_proc/_docs] [--pages index.html 05_cmm.html 13_gradcam.html]

Each page is copied beside itself with a small script appended (so its relative links still work), opened from the
file system by `chromium --headless --dump-dom`, and the script's findings are read back from the dumped DOM:
  - the page loads nothing from the network (no http(s) script or stylesheet);
  - on a page that includes KaTeX: `.katex` elements exist and no `\\(` or `\\[` is left in the text (code excluded);
  - every <img> has a file in the site and finished loading with a natural width > 0;
  - the page does not scroll sideways at 1280 px (a long code line scrolls inside its block instead).
Exit 1 on a problem. Needs Debian's `chromium` (`apt-get install chromium`).
"""
import argparse, html, json, re, shutil, subprocess, sys, tempfile
from pathlib import Path
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
PAGES = ('index.html', '05_cmm.html', '13_gradcam.html')
FLAGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
         '--disable-sync', '--no-first-run', '--disable-quic', '--hide-scrollbars', '--window-size=1280,900',
         '--allow-file-access-from-files', '--virtual-time-budget=5000', '--dump-dom']

# Runs after the page's own deferred scripts (KaTeX's auto-render among them): load every image now (no lazy
# loading far below the fold), then report as JSON in <pre id="docs-check">.
PROBE = r"""<script>
document.querySelectorAll('img').forEach(i => { i.loading = 'eager'; });
window.addEventListener('load', () => setTimeout(() => {
  const skip = el => el.closest('pre, code, script, style, .katex, .sourceCode');
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const raw = [];
  for (let n; (n = walker.nextNode());) {
    if (n.parentElement && !skip(n.parentElement) && /\\\(|\\\[/.test(n.textContent)) raw.push(n.textContent.trim().slice(0, 80));
  }
  const out = document.createElement('pre'); out.id = 'docs-check';
  out.textContent = JSON.stringify({
    katex: document.querySelectorAll('.katex').length,
    katex_included: !!document.querySelector('script[src*="katex"]'),
    raw_tex: raw,
    images: [...document.images].map(i => ({src: i.getAttribute('src'), ok: i.complete && i.naturalWidth > 0})),
    remote: [...document.querySelectorAll('script[src], link[rel=stylesheet]')].map(e => e.src || e.href).filter(u => /^https?:/.test(u)),
    page_width: document.documentElement.scrollWidth, window_width: document.documentElement.clientWidth,
  });
  document.body.appendChild(out);
}, 300));
</script>"""

def chromium():
    for c in ('chromium', 'chromium-browser', 'google-chrome'):
        if shutil.which(c): return shutil.which(c)
    sys.exit('check-docs: no chromium on PATH (apt-get install chromium)')

def probe(page: Path, browser: str, profile: Path) -> dict:
    "Open a copy of the page with the probe appended; return the probe's findings."
    copy = page.with_name(f'_check_{page.name}')
    copy.write_text(page.read_text().replace('</body>', PROBE + '</body>'))
    try:
        r = subprocess.run([browser, *FLAGS, f'--user-data-dir={profile}', copy.resolve().as_uri()],
                           capture_output=True, text=True, timeout=60)
    finally: copy.unlink()
    m = re.search(r'<pre id="docs-check">(.*?)</pre>', r.stdout, re.S)
    if not m: raise RuntimeError(f'{page.name}: no result from chromium (exit {r.returncode}): {r.stderr[-500:]}')
    return json.loads(html.unescape(m.group(1)))

def problems(page: Path, res: dict) -> list[str]:
    out = []
    if res['remote']: out.append(f'loads from the network: {res["remote"]}')
    if res['katex_included'] and not res['katex']: out.append('includes KaTeX but no maths was typeset (no .katex element)')
    if res['raw_tex']: out.append(f'raw TeX left in the text: {res["raw_tex"][:3]}')
    for im in res['images']:
        src = im['src'] or ''
        local = not urlparse(src).scheme
        if local and not (page.parent/unquote(src.split('#')[0].split('?')[0])).is_file(): out.append(f'image file missing: {src}')
        elif not im['ok']: out.append(f'image did not load: {src}')
    if res['page_width'] > res['window_width'] + 1:
        out.append(f'page is {res["page_width"]} px wide in a {res["window_width"]} px window (something does not wrap or scroll)')
    return out

def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument('site', nargs='?', default=str(ROOT/'_proc'/'_docs'))
    p.add_argument('--pages', nargs='*', default=list(PAGES))
    a = p.parse_args()
    site, browser, bad = Path(a.site), chromium(), 0
    with tempfile.TemporaryDirectory() as profile:
        for name in a.pages:
            page = site/name
            if not page.is_file(): print(f'check-docs: {page} was not rendered'); bad += 1; continue
            res = probe(page, browser, Path(profile))
            errs = problems(page, res)
            bad += len(errs)
            for e in errs: print(f'check-docs: {name}: {e}')
            if not errs:
                print(f'check-docs: {name}: {res["katex"]} maths typeset, {len(res["images"])} image(s) loaded, '
                      f'{res["page_width"]} px wide, nothing from the network')
    if bad: sys.exit(1)

if __name__ == '__main__': main()
