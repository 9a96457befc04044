#!/usr/bin/env python3
"""Numbers are read and written by lib/util/text* alone.

Fails when a C file in lib/, cli/ or tools/ (outside lib/util/text*) calls strtod,
strtof, strtold, atof or their _l forms, or has a printf- or scanf-family
format with a floating-point conversion (%f, %g, %e, %a and their
variants): those depend on the C locale (LC_NUMERIC) and duplicate what
util/text.h does. Comments are ignored; format strings are found in
string literals.

usage: check_text_callers.py SOURCE_DIR
       check_text_callers.py --self-test
"""
import os
import re
import sys
import tempfile

CALL = re.compile(r"\b(strto(d|f|ld)(_l)?|atof)\s*\(")
# a conversion: % flags width .precision length conversion ("%%" removed first)
FLOAT_CONV = re.compile(r"%[-+ #0']*(\d+|\*)?(\.(\d+|\*)?)?(hh|h|ll|l|L|q|j|z|t)?[fFeEgGaA]")


def strip_comments(text):
    """The code with comments blanked (newlines kept) and the string
    literals' contents kept, plus the list of (line, literal) pairs."""
    out = []
    literals = []
    i, n, line = 0, len(text), 1
    while i < n:
        c = text[i]
        if text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            line += text.count("\n", i, j)
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif text.startswith("//", i):
            j = text.find("\n", i)
            i = n if j < 0 else j
        elif c == '"' or c == "'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            lit = text[i + 1 : j]
            if c == '"':
                literals.append((line, lit))
            out.append(c + " " * len(lit) + c)
            i = j + 1
        else:
            if c == "\n":
                line += 1
            out.append(c)
            i += 1
    return "".join(out), literals


def check_file(path, rel):
    with open(path, encoding="utf-8", errors="replace") as f:
        text = f.read()
    code, literals = strip_comments(text)
    problems = []
    for lineno, ln in enumerate(code.split("\n"), 1):
        m = CALL.search(ln)
        if m:
            problems.append(f"{rel}:{lineno}: {m.group(1)}() reads a number with the C locale")
    for lineno, lit in literals:
        m = FLOAT_CONV.search(lit.replace("%%", ""))
        if m:
            problems.append(
                f"{rel}:{lineno}: format \"{lit}\" has {m.group(0)}, which writes or reads "
                "a float with the C locale"
            )
    return problems


def check_tree(root):
    problems = []
    for top in ("lib", "cli", "tools"):
        base = os.path.join(root, top)
        for dirpath, _, files in os.walk(base):
            for name in sorted(files):
                if not name.endswith((".c", ".h")):
                    continue
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, root)
                if rel.startswith(os.path.join("lib", "util", "text")):
                    continue
                problems.extend(check_file(path, rel))
    return problems


def self_test():
    """The checker finds what it must and passes what it may."""
    bad = {
        "lib/a.c": 'double f(const char *s) { return strtod(s, NULL); }\n',
        "lib/b.c": 'void g(char *b, double v) { snprintf(b, 9, "%.2f", v); }\n',
        "cli/c.c": 'void h(double v) { printf("x=%g\\n", v); }\n',
        "lib/d.c": 'int k(const char *s, double *v) { return sscanf(s, "%lf", v); }\n',
        "lib/e.c": 'double m(const char *s) { return atof(s); }\n',
        "tools/t/f.c": 'void n(char *b, double v) { sprintf(b, "%e", v); }\n',
    }
    good = {
        "lib/util/text_x.c": 'double f(const char *s) { return strtod(s, NULL); }\n',
        "lib/ok.c": '/* strtod("1.5") and "%g" in a comment */\n'
        'void g(char *b, int i) { snprintf(b, 9, "%d%% of %s", i, "x"); }\n'
        "// printf(\"%f\")\n",
    }
    with tempfile.TemporaryDirectory() as d:
        for files in (bad, good):
            for rel, text in files.items():
                os.makedirs(os.path.dirname(os.path.join(d, rel)), exist_ok=True)
                with open(os.path.join(d, rel), "w") as f:
                    f.write(text)
        found = check_tree(d)
    files_found = {p.split(":")[0] for p in found}
    ok = files_found == set(bad)
    for p in found:
        print(p)
    print("self-test", "passed" if ok else f"FAILED: flagged {sorted(files_found)}, want {sorted(bad)}")
    return 0 if ok else 1


def main():
    if len(sys.argv) == 2 and sys.argv[1] == "--self-test":
        return self_test()
    if len(sys.argv) != 2:
        print(__doc__)
        return 2
    problems = check_tree(sys.argv[1])
    for p in problems:
        print(p)
    if problems:
        print(f"{len(problems)} place(s) outside lib/util/text* handle floats with the C "
              "locale: use util/text.h (text_parse_float, text_format_float)")
        return 1
    print("no strtod/atof/sscanf or %f/%g/%e formats outside lib/util/text*")
    return 0


if __name__ == "__main__":
    sys.exit(main())
