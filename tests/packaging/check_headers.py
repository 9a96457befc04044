#!/usr/bin/env python3
"""The public headers stand on their own, in C and in C++.

Usage: check_headers.py INCLUDE_DIR LIB_DIR WORK_DIR COMPILER...

COMPILER is a C or C++ compiler command (gcc, clang, g++, clang++); one
whose name contains "++" compiles C++. For every header (include/sloeval.h
and include/sloeval/*.h, whatever is there) and every compiler:
  - the header compiles alone, included twice (include guards), with
    -Wall -Wextra -pedantic -Werror (C11; C++11);
then:
  - sloeval.h includes every sloeval/*.h;
  - a C program and a C++ program that take the address of every
    SLOEVAL_EXPORT function link against LIB_DIR/libsloeval.so and run: the
    declarations have C linkage (extern "C") and are exported.
"""
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sloeval_api import exported_functions, public_headers  # noqa: E402

C_FLAGS = ['-std=c11', '-Wall', '-Wextra', '-pedantic', '-Werror', '-Wstrict-prototypes',
           '-Wmissing-prototypes', '-Wshadow', '-Wundef']
CXX_FLAGS = ['-std=c++11', '-Wall', '-Wextra', '-pedantic', '-Werror', '-Wshadow', '-Wundef']

failures = []


def compile_(compiler, src, args, libs=()):
    cxx = '++' in os.path.basename(compiler)
    cmd = [compiler, '-x', 'c++' if cxx else 'c'] + (CXX_FLAGS if cxx else C_FLAGS) + args + [src]
    cmd += ['-x', 'none'] + list(libs) if libs else []
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return p.returncode, ' '.join(cmd), p.stdout


def main():
    include_dir, lib_dir, work = sys.argv[1:4]
    compilers = sys.argv[4:]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    headers = public_headers(include_dir)
    missing = [c for c in compilers if not shutil.which(c)]
    if missing:
        print('FAIL: compilers not installed: %s (scripts/install-deps.sh --dev)' % ' '.join(missing))
        return 1

    for h in headers:
        rel = os.path.relpath(h, include_dir)
        src = os.path.join(work, rel.replace('/', '_') + '.c')
        with open(src, 'w') as f:
            f.write('#include <%s>\n#include <%s>\nint main(void)\n{\n    return 0;\n}\n' %
                    (rel, rel))
        for c in compilers:
            rc, cmd, out = compile_(c, src, ['-I', include_dir, '-fsyntax-only'])
            if rc != 0:
                failures.append('%s does not compile alone with %s:\n  %s\n%s' % (rel, c, cmd, out))
    print('%s: %d headers x %d compilers (%s) compiled alone, twice each' %
          ('FAIL' if failures else 'ok', len(headers), len(compilers), ', '.join(compilers)))

    # The umbrella brings in every per-area header.
    src = os.path.join(work, 'umbrella.c')
    with open(src, 'w') as f:
        f.write('#include <sloeval.h>\n')
    rc, cmd, deps = compile_(compilers[0], src, ['-I', include_dir, '-M'])
    included = {os.path.realpath(p) for p in deps.replace('\\\n', ' ').split()[1:]}
    not_in = [os.path.relpath(h, include_dir) for h in headers[1:]
              if os.path.realpath(h) not in included]
    if rc != 0 or not_in:
        failures.append('sloeval.h does not include: %s' % ' '.join(not_in) if not_in else deps)
    else:
        print('ok: sloeval.h includes all %d headers under sloeval/' % (len(headers) - 1))

    # Every exported function, referenced from C and from C++, links and runs.
    funcs = sorted(exported_functions(include_dir))
    body = ('#include <stdio.h>\n#include <sloeval.h>\n\n'
            'typedef void (*any_function)(void);\n'
            'static const any_function api[] = {\n%s};\n\n'
            'int main(void)\n{\n'
            '    size_t n = sizeof(api) / sizeof(api[0]);\n'
            '    for (size_t i = 0; i < n; i++)\n'
            '        if (!api[i]) return 1;\n'
            '    printf("%%zu functions, library %%s\\n", n, sloeval_version());\n'
            '    return 0;\n}\n') % ''.join('    (any_function)%s,\n' % f for f in funcs)
    for c in compilers:
        cxx = '++' in os.path.basename(c)
        src = os.path.join(work, 'link_all.c')
        with open(src, 'w') as f:
            f.write(body)
        exe = os.path.join(work, 'link_all_' + os.path.basename(c).replace('+', 'x'))
        rc, cmd, out = compile_(c, src, ['-I', include_dir, '-o', exe],
                                libs=['-L', lib_dir, '-Wl,-rpath,' + os.path.abspath(lib_dir),
                                      '-lsloeval'])
        if rc != 0:
            failures.append('referencing every exported function from %s fails to build:\n  %s\n%s'
                            % ('C++' if cxx else 'C', cmd, out))
            continue
        p = subprocess.run([exe], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if p.returncode != 0:
            failures.append('%s exits with %d: %s' % (exe, p.returncode, p.stdout))
        else:
            print('ok: %s: %s' % (c, p.stdout.strip()))

    for f in failures:
        print('FAIL: ' + f)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
