#!/usr/bin/env python3
"""Every public entry point that takes a sloeval_error is in the test that
calls it with a dirty error struct (tests/unit/check_api.c).

Usage: check_error_reset.py INCLUDE_DIR TEST_FILE
The library promises that every function taking a sloeval_error resets it
first (include/sloeval/common.h); the unit test checks each function it
names, and this script fails when a header declares one it does not name.
"""
import re
import sys

from sloeval_api import public_headers, strip_comments

include_dir, test_file = sys.argv[1], sys.argv[2]
takes_error = set()
for h in public_headers(include_dir):
    text = strip_comments(open(h, encoding='utf-8').read())
    for m in re.finditer(r'\bSLOEVAL_EXPORT\b([^;{]*?\b(sloeval_\w+)\s*\(([^;{]*?))\)\s*;', text,
                         re.S):
        if re.search(r'\bsloeval_error\s*\*', m.group(3)):
            takes_error.add(m.group(2))
test = open(test_file, encoding='utf-8').read()
body = test[test.index('START_TEST(test_error_reset_at_every_entry_point)'):]
body = body[:body.index('END_TEST')]
tested = set(re.findall(r'assert_fresh\("(sloeval_\w+)"', body))
missing = sorted(takes_error - tested)
if missing:
    print('FAIL: entry points that take a sloeval_error but are not called with a dirty one in '
          'test_error_reset_at_every_entry_point: ' + ', '.join(missing))
    sys.exit(1)
unknown = sorted(tested - takes_error)
if unknown:
    print('FAIL: the test names functions no header declares with a sloeval_error: ' +
          ', '.join(unknown))
    sys.exit(1)
print('ok: %d entry points take a sloeval_error; the test calls each with a dirty one'
      % len(takes_error))
