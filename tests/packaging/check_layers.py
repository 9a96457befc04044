#!/usr/bin/env python3
"""The library's folders include downward only, and no two folders in a circle.

Usage: check_layers.py SOURCE_DIR
       check_layers.py --self-test

Reads every #include "..." of lib/**/*.[ch], maps each folder of lib/ to
its layer (LAYERS below: util at the bottom, report at the top) and fails on

  - an include of a folder on a higher layer than the includer's;
  - a circle between folders (A includes B and B, directly or through
    others, includes A), even between folders of one layer;
  - a folder of lib/ that has no layer, or an include that names no folder
    of lib/ and is not a public header (sloeval/...).

Files of one folder may include each other freely (engine/eval.c and
engine/functions.c call each other). --self-test runs the checker on small
made-up trees and fails unless it catches what it must.
"""
import os
import re
import sys
import tempfile

# The intended order (docs: architecture.md): a folder may include folders
# on its own layer or below, never above.
LAYERS = {
    'util': 1,
    'model': 2,
    'http': 2,
    'regex': 2,
    'promql': 3,
    'source': 4,
    'engine': 5,
    'slo': 5,
    'plan': 6,
    'check': 7,
    'report': 8,
}
PUBLIC = 'sloeval'  # include/sloeval/*.h: the public headers, for any layer

INCLUDE = re.compile(r'^\s*#\s*include\s*"([^"]+)"', re.M)


def read_includes(lib):
    """[(file, line, target folder)] for every quoted include under lib."""
    edges, problems = [], []
    for root, _dirs, files in os.walk(lib):
        for name in sorted(files):
            if not name.endswith(('.c', '.h')):
                continue
            path = os.path.join(root, name)
            rel = os.path.relpath(path, lib)
            folder = rel.split(os.sep)[0] if os.sep in rel else ''
            text = open(path, encoding='utf-8', errors='replace').read()
            for m in INCLUDE.finditer(text):
                line = text.count('\n', 0, m.start()) + 1
                target = m.group(1)
                if '/' not in target:
                    to = folder  # a header beside the includer
                else:
                    to = target.split('/')[0]
                if to == PUBLIC:
                    continue
                if not os.path.isfile(os.path.join(lib, target if '/' in target
                                                   else os.path.join(folder, target))):
                    problems.append('lib/%s:%d: #include "%s" names no file of lib/' %
                                    (rel, line, target))
                    continue
                edges.append(('lib/' + rel, line, folder, to, target))
    return edges, problems


def circles(graph):
    """The strongly connected components of more than one folder (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def check(lib):
    """The list of failures for the tree at lib (empty: all is well)."""
    failures = []
    folders = sorted(d for d in os.listdir(lib) if os.path.isdir(os.path.join(lib, d)))
    for d in folders:
        if d not in LAYERS:
            failures.append('lib/%s/ has no layer: add it to LAYERS in %s' %
                            (d, os.path.basename(__file__)))
    edges, problems = read_includes(lib)
    failures += problems
    graph = {}
    for path, line, frm, to, target in edges:
        if frm == to or frm == '' or frm not in LAYERS or to not in LAYERS:
            continue
        graph.setdefault(frm, set()).add(to)
        if LAYERS[to] > LAYERS[frm]:
            failures.append('%s:%d: #include "%s" points up: %s (layer %d) includes %s (layer %d)'
                            % (path, line, target, frm, LAYERS[frm], to, LAYERS[to]))
    for comp in circles(graph):
        ties, seen = [], set()
        for path, line, frm, to, _t in edges:
            if frm in comp and to in comp and frm != to and (frm, to) not in seen:
                seen.add((frm, to))
                ties.append('%s -> %s (%s:%d)' % (frm, to, path, line))
        failures.append('circle between folders %s: %s' % (', '.join(comp), '; '.join(ties)))
    return failures, sum(1 for e in edges if e[2] != e[3])


def self_test():
    """The checker catches an upward include, a circle, and an unknown folder."""
    cases = [
        ('a clean tree', {'util/a.h': '', 'model/m.h': '#include "util/a.h"\n'}, None),
        ('an upward include', {'util/a.h': '#include "model/m.h"\n', 'model/m.h': ''},
         'points up'),
        ('a circle on one layer', {'model/m.h': '#include "http/h.h"\n',
                                   'http/h.h': '#include "model/m.h"\n'}, 'circle between'),
        ('a folder without a layer', {'nowhere/x.h': '#include "util/a.h"\n', 'util/a.h': ''},
         'has no layer'),
        ('an include of nothing', {'util/a.h': '#include "util/gone.h"\n'}, 'names no file'),
    ]
    bad = 0
    for what, files, expect in cases:
        with tempfile.TemporaryDirectory() as lib:
            for rel, text in files.items():
                os.makedirs(os.path.join(lib, os.path.dirname(rel)), exist_ok=True)
                with open(os.path.join(lib, rel), 'w') as f:
                    f.write(text)
            failures, _n = check(lib)
        caught = any(expect in f for f in failures) if expect else not failures
        print('%s: %s%s' % ('ok' if caught else 'FAIL', what,
                            '' if caught else ' (got %r)' % failures))
        bad += not caught
    return bad


def main():
    if sys.argv[1:] == ['--self-test']:
        sys.exit(1 if self_test() else 0)
    if len(sys.argv) != 2:
        print(__doc__.strip().splitlines()[2])
        sys.exit(2)
    failures, n = check(os.path.join(sys.argv[1], 'lib'))
    for f in failures:
        print('FAIL: ' + f)
    if failures:
        sys.exit(1)
    print('ok: %d includes between folders of lib/ point down or sideways, no circles' % n)


if __name__ == '__main__':
    main()
