#!/usr/bin/env python3
"""README.md and docs/*.md say what the code does.

Usage: check_readme.py SOURCE_DIR
Checks, each printed as it passes:
  - the README's two commands (scripts/demo.sh, scripts/test.sh) are there
    and executable, and every scripts/ or examples/ path named in a code
    block of README.md or docs/*.md exists;
  - every `sloeval COMMAND --option` written in README.md or docs/*.md (code
    blocks and inline code) uses a command and options the man page
    documents for it (the man page is checked against --help by
    check_man.py), so the examples are commands that run;
  - every ```c block that starts like examples/embed/embed.c is that file,
    byte for byte (the file is built and run by the packaging tests), and a
    ```c block whose first line is `/* excerpt of examples/... */` is made
    of lines of that file, in its order (`...` skips lines);
  - every relative link of README.md and docs/*.md resolves: the file
    exists, and a #fragment names a heading of the target page;
  - the keys of docs/config.md's tables are exactly the keys the config
    loader accepts (the tables passed to load_keys() in lib/).
"""
import glob
import os
import re
import sys

src = sys.argv[1]
failures = []


def fail(msg):
    failures.append(msg)
    print('FAIL: ' + msg)


def ok(msg, since):
    """Print msg when no check failed since failures had `since` entries."""
    if len(failures) == since:
        print('ok: ' + msg)


def read(path):
    return open(os.path.join(src, path), encoding='utf-8').read()


pages = ['README.md'] + sorted(os.path.relpath(p, src)
                               for p in glob.glob(os.path.join(src, 'docs', '*.md')))
texts = {p: read(p) for p in pages}


def fenced_blocks(text):
    """[(language, body)] of the ``` blocks of a markdown text."""
    return re.findall(r'^```(\w*)\n(.*?)^```\s*$', text, re.S | re.M)


def without_code_blocks(text):
    return re.sub(r'^```.*?^```\s*$', '', text, flags=re.S | re.M)


# ---- the README's commands and the paths the pages name ------------------
since = len(failures)
for script in ('scripts/demo.sh', 'scripts/test.sh'):
    path = os.path.join(src, script)
    if script not in texts['README.md']:
        fail('README.md does not show %s' % script)
    elif not os.access(path, os.X_OK):
        fail('README.md runs %s, which is not an executable file' % script)
named = 0
for page, text in texts.items():
    for _, body in fenced_blocks(text):
        for m in re.finditer(r'(?<![\w./-])((?:scripts|examples)/[\w./-]*[\w])', body):
            named += 1
            if not os.path.exists(os.path.join(src, m.group(1))):
                fail('%s names %s, which does not exist' % (page, m.group(1)))
ok('scripts/demo.sh and scripts/test.sh are executable; %d paths named in code blocks exist' %
   named, since)

# ---- sloeval commands against the man page --------------------------------
since = len(failures)
man = read('man/sloeval.1').splitlines()
commands, in_commands, cur = {}, False, None
global_opts = set()
section = None
for line in man:
    m = re.match(r'\.SH\s+"?([^"]*)"?\s*$', line)
    if m:
        section, cur = m.group(1), None
        continue
    m = re.match(r'\.SS\s+"?([^"]*)"?\s*$', line)
    if m and section == 'COMMANDS':
        cur = m.group(1)
        commands[cur] = set()
        continue
    opts = set(re.findall(r'--([a-z][a-z0-9-]*)', line.replace('\\-', '-')))
    if section == 'COMMANDS' and cur:
        commands[cur] |= opts
    elif section == 'OPTIONS':
        global_opts |= opts
if not commands:
    fail('man/sloeval.1 has no .SS commands under COMMANDS: update this test')


def invocations(text):
    """Command lines of code blocks and inline code spans."""
    lines = []
    for lang, body in fenced_blocks(text):
        if lang in ('', 'sh', 'console'):
            lines += body.replace('\\\n', ' ').splitlines()
    lines += re.findall(r'(?<!`)`([^`\n]+)`(?!`)', without_code_blocks(text))
    return lines


checked = 0
for page, text in texts.items():
    for line in invocations(text):
        for m in re.finditer(r'(?:^|[\s;|&(])(?:build/bin/)?sloeval((?:\s+[^\s;|&#)]+)*)', line):
            words = m.group(1).split()
            if not words:
                continue
            cmd = words[0]
            if cmd.startswith('-'):
                known, what = global_opts, 'sloeval'
                words = words
            elif cmd in commands:
                known, what = commands[cmd] | {'help'}, 'sloeval ' + cmd
                words = words[1:]
            else:
                continue
            checked += 1
            for w in words:
                if w == '--':
                    break
                o = re.match(r'\[?--([a-z][a-z0-9-]*)', w)
                if o and o.group(1) not in known:
                    fail('%s: `%s` uses --%s, which the man page does not document for %s'
                         % (page, line.strip(), o.group(1), what))
ok('%d sloeval command lines use commands and options the man page documents' % checked, since)

# ---- C code shown in the pages ---------------------------------------------
since = len(failures)
embed = read('examples/embed/embed.c')
copies = 0
for page, text in texts.items():
    for lang, b in fenced_blocks(text):
        if lang != 'c':
            continue
        if b.startswith('/*\n * embed.c'):
            copies += 1
            if b != embed:
                a, c = b.splitlines(), embed.splitlines()
                n = next((i for i in range(min(len(a), len(c))) if a[i] != c[i]),
                         min(len(a), len(c)))
                fail('%s\'s copy of examples/embed/embed.c differs at line %d:\n'
                     '  %s: %r\n  embed.c: %r' % (page, n + 1, page, a[n] if n < len(a) else '<end>',
                                                  c[n] if n < len(c) else '<end>'))
            continue
        m = re.match(r'/\* excerpt of (\S+) \*/\n', b)
        if not m:
            continue
        copies += 1
        whole = [l.strip() for l in read(m.group(1)).splitlines()]
        at = 0
        for line in b.splitlines()[1:]:
            want = line.strip()
            if want in ('', '...'):
                continue
            try:
                at = whole.index(want, at) + 1
            except ValueError:
                fail('%s: the excerpt of %s has a line that is not in the file (after line %d): %r'
                     % (page, m.group(1), at, want))
                break
if copies == 0:
    fail('no ```c block copies examples/embed/embed.c or is an excerpt of an example')
ok('%d C blocks are examples/embed/embed.c or excerpts of examples, as they are' % copies, since)

# ---- relative links ---------------------------------------------------------
since = len(failures)


def anchors(text):
    """GitHub's ids of a page's headings."""
    seen, out = {}, set()
    for h in re.findall(r'^#{1,6}\s+(.*?)\s*#*\s*$', without_code_blocks(text), re.M):
        slug = re.sub(r'[^\w\- ]', '', h.lower().replace('`', '')).replace(' ', '-')
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else '%s-%d' % (slug, n))
    return out


links = 0
for page, text in texts.items():
    body = re.sub(r'(?<!`)`[^`\n]+`', '', without_code_blocks(text))
    for target in re.findall(r'\]\(([^)\s]+)\)', body):
        if re.match(r'[a-z]+:', target):
            continue
        links += 1
        path, _, frag = target.partition('#')
        dest = os.path.normpath(os.path.join(os.path.dirname(page), path)) if path else page
        full = os.path.join(src, dest)
        if not os.path.exists(full):
            fail('%s links to %s, which does not exist' % (page, target))
            continue
        if frag and dest.endswith('.md'):
            if frag not in anchors(open(full, encoding='utf-8').read()):
                fail('%s links to %s: %s has no heading #%s' % (page, target, dest, frag))
ok('%d relative links of %d pages resolve' % (links, len(texts)), since)

# ---- docs/config.md and the loader's keys ---------------------------------
since = len(failures)
loader = set()
tables = 0
for f in glob.glob(os.path.join(src, 'lib', '**', '*.c'), recursive=True):
    c = open(f, encoding='utf-8').read()
    # load_keys(L, n, path, keys) and load_keys_lenient(L, n, path, keys, "Sloth")
    used = set(re.findall(r'load_keys(?:_lenient)?\([^;]*?,\s*(\w+)\s*(?:,\s*"[^"]*"\s*)?\)', c))
    for name, body in re.findall(r'static const char \*const (\w+)\[\]\s*=\s*\{(.*?)\};', c, re.S):
        if name in used:
            tables += 1
            loader |= set(re.findall(r'"([^"]+)"', body))
if not loader:
    fail('no key tables passed to load_keys() or load_keys_lenient() found in lib/: update this test')
documented = set()
config = texts.get(os.path.join('docs', 'config.md'), '')
for table in re.findall(r'^\| key \|.*\n\| -.*\n((?:\|.*\n?)*)', without_code_blocks(config), re.M):
    for row in table.splitlines():
        first = row.split('|')[1]
        for k in re.findall(r'`([\w.]+)`', first):
            documented |= set(k.split('.'))  # `tls.ca_file` names tls and ca_file
for k in sorted(loader - documented):
    fail('the config loader accepts %r, docs/config.md has no table row for it' % k)
for k in sorted(documented - loader):
    fail('docs/config.md documents %r, which no loader key table accepts' % k)
ok('docs/config.md documents the %d keys of the loader\'s %d key tables' % (len(loader), tables),
   since)

if failures:
    print('%d problems in README.md and docs/' % len(failures))
    sys.exit(1)
