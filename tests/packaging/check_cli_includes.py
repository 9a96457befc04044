#!/usr/bin/env python3
"""The sloeval command is a client of the public API alone.

Usage: check_cli_includes.py SOURCE_DIR

Every #include of every file in cli/ must name a header of cli/ itself, a
public header (include/sloeval.h, include/sloeval/*.h), a header of a
helper library under tools/ (whose own includes are checked the same way,
so a helper's header cannot smuggle lib/ in), or a system header. A header
that exists under lib/ (the library's internals) fails the test, however
it is spelled ("plan/plan.h", "../lib/plan/plan.h", <model/model.h>).
"""
import glob
import os
import re
import sys

INCLUDE = re.compile(r'^\s*#\s*include\s*([<"])([^>"]+)[>"]', re.M)


def main():
    root = os.path.realpath(sys.argv[1])
    lib = os.path.join(root, 'lib')
    public = os.path.join(root, 'include')
    tools = os.path.join(root, 'tools')
    cli = os.path.join(root, 'cli')
    files = sorted(glob.glob(os.path.join(cli, '*.[ch]')))
    if not files:
        print('FAIL: no sources in %s' % cli)
        return 1
    problems = []
    seen = set()
    todo = list(files)
    checked = 0
    while todo:
        path = todo.pop(0)
        if path in seen:
            continue
        seen.add(path)
        checked += 1
        text = open(path, encoding='utf-8').read()
        here = os.path.dirname(path)
        for m in INCLUDE.finditer(text):
            quote, name = m.group(1), m.group(2)
            line = text.count('\n', 0, m.start()) + 1
            where = '%s:%d' % (os.path.relpath(path, root), line)
            local = os.path.realpath(os.path.join(here, name))
            if quote == '"' and os.path.isfile(local):
                if local.startswith(lib + os.sep):
                    problems.append('%s includes %s, a header of lib/' %
                                    (where, os.path.relpath(local, root)))
                elif local.startswith(tools + os.sep):
                    todo.append(local)
                continue
            if os.path.isfile(os.path.join(public, name)):
                continue
            if os.path.isfile(os.path.join(lib, name)):
                problems.append('%s includes "%s", a header of lib/ (the CLI uses <sloeval.h> '
                                'only: add what it needs to the public API)' % (where, name))
                continue
            helper = os.path.realpath(os.path.join(tools, name))
            if os.path.isfile(helper) and helper.startswith(tools + os.sep):
                todo.append(helper)
    for p in problems:
        print('FAIL: ' + p)
    if problems:
        return 1
    print('ok: %d files (cli/ and the helper headers it includes), no header of lib/' % checked)
    return 0


if __name__ == '__main__':
    sys.exit(main())
