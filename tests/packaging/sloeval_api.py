"""What the public headers declare: shared by the packaging tests."""
import glob
import os
import re


def public_headers(include_dir):
    """include/sloeval.h and every include/sloeval/*.h, sorted."""
    umbrella = os.path.join(include_dir, 'sloeval.h')
    return [umbrella] + sorted(glob.glob(os.path.join(include_dir, 'sloeval', '*.h')))


def strip_comments(text):
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    return re.sub(r'//[^\n]*', ' ', text)


def exported_functions(include_dir):
    """{function name: header} of every SLOEVAL_EXPORT declaration."""
    found = {}
    for h in public_headers(include_dir):
        text = strip_comments(open(h, encoding='utf-8').read())
        for m in re.finditer(r'\bSLOEVAL_EXPORT\b[^;{]*?\b(sloeval_\w+)\s*\(', text, re.S):
            found.setdefault(m.group(1), os.path.relpath(h, include_dir))
    return found
