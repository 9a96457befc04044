#!/usr/bin/env python3
"""README.md shows the embedding example as it is in examples/.

Usage: check_readme.py SOURCE_DIR
Every ```c block of README.md that starts like examples/embed/embed.c must
be that file, byte for byte, so the README never shows code that does not
build (the file itself is built and run by the packaging tests).
"""
import os
import re
import sys

src = sys.argv[1]
readme = open(os.path.join(src, 'README.md'), encoding='utf-8').read()
embed = open(os.path.join(src, 'examples', 'embed', 'embed.c'), encoding='utf-8').read()
blocks = re.findall(r'^```c\n(.*?)^```$', readme, re.S | re.M)
copies = [b for b in blocks if b.startswith('/*\n * embed.c')]
if not copies:
    print('FAIL: README.md has no ```c block with examples/embed/embed.c')
    sys.exit(1)
for b in copies:
    if b != embed:
        a, c = b.splitlines(), embed.splitlines()
        n = next((i for i in range(min(len(a), len(c))) if a[i] != c[i]), min(len(a), len(c)))
        print('FAIL: README.md\'s copy of examples/embed/embed.c differs at line %d:\n'
              '  README:   %r\n  embed.c:  %r' % (n + 1, a[n] if n < len(a) else '<end>',
                                                  c[n] if n < len(c) else '<end>'))
        sys.exit(1)
print('ok: README.md shows examples/embed/embed.c as it is (%d lines)' % len(embed.splitlines()))
