#!/usr/bin/env python3
"""The shared library's ABI surface is exactly the public API.

Usage: check_exports.py LIBSLOEVAL_SO INCLUDE_DIR VERSION

  - the file is libsloeval.so.VERSION and its SONAME libsloeval.so.MAJOR;
  - every dynamic symbol it defines starts with sloeval_ (internal helpers
    must be static or hidden: the build uses -fvisibility=hidden, and only
    SLOEVAL_EXPORT declarations in include/ are visible);
  - the functions it exports are exactly those declared SLOEVAL_EXPORT in
    include/sloeval.h and include/sloeval/*.h: nothing exported that no
    header declares, nothing declared that is not exported.
"""
import os
import re
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sloeval_api import exported_functions  # noqa: E402


def main():
    lib, include_dir, version = sys.argv[1:4]
    major = version.split('.')[0]
    problems = []

    real = os.path.basename(os.path.realpath(lib))
    if real != 'libsloeval.so.' + version:
        problems.append('the library file is %s, expected libsloeval.so.%s' % (real, version))
    dyn = subprocess.run(['readelf', '-d', lib], stdout=subprocess.PIPE, text=True,
                         check=True).stdout
    m = re.search(r'\(SONAME\)\s+Library soname: \[([^]]+)\]', dyn)
    soname = m.group(1) if m else None
    if soname != 'libsloeval.so.' + major:
        problems.append('SONAME is %s, expected libsloeval.so.%s' % (soname, major))
    else:
        print('ok: %s, SONAME %s' % (real, soname))

    nm = subprocess.run(['nm', '-D', '--defined-only', lib], stdout=subprocess.PIPE, text=True,
                        check=True).stdout
    symbols = {}
    for line in nm.splitlines():
        parts = line.split()
        if len(parts) >= 3:
            symbols[parts[2].split('@')[0]] = parts[1]
    leaked = sorted(s for s in symbols if not s.startswith('sloeval_'))
    for s in leaked:
        problems.append('exports %s (type %s): not a sloeval_ name; make it static, or hidden '
                        '(no SLOEVAL_EXPORT)' % (s, symbols[s]))

    declared = exported_functions(include_dir)
    exported = {s for s, t in symbols.items() if s.startswith('sloeval_') and t in 'TtWi'}
    data = sorted(s for s, t in symbols.items() if s.startswith('sloeval_') and s not in exported)
    for s in data:
        problems.append('exports the variable %s: the API has functions only' % s)
    for s in sorted(exported - set(declared)):
        problems.append('exports %s, which no public header declares (internal: drop '
                        'SLOEVAL_EXPORT; public: declare it in include/sloeval/)' % s)
    for s in sorted(set(declared) - exported):
        problems.append('%s declares %s SLOEVAL_EXPORT, the library does not export it' %
                        (declared[s], s))
    if not declared:
        problems.append('found no SLOEVAL_EXPORT declaration under %s' % include_dir)

    for p in problems:
        print('FAIL: ' + p)
    if problems:
        return 1
    print('ok: %d functions exported, all declared in include/, nothing else' % len(exported))
    return 0


if __name__ == '__main__':
    sys.exit(main())
