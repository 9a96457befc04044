#!/usr/bin/env python3
"""Make golden parse-error cases from a running Prometheus 2.42.

usage: make_cases.py URL CASES_FILE
CASES_FILE holds lines "name<TAB>expression" (expression with Python escapes).
For each expression the server rejects, writes <name>/input (the raw bytes),
<name>/error (the server's "line:col: parse error: message") and
<name>/compat ("v2"). Expressions the server accepts are reported and skipped.
"""
import json, os, sys, urllib.error, urllib.parse, urllib.request

url, cases = sys.argv[1], sys.argv[2]
here = os.path.dirname(os.path.abspath(__file__))
for line in open(cases, encoding="utf-8"):
    line = line.rstrip("\n")
    if not line or line.startswith("#"):
        continue
    name, expr = line.split("\t", 1)
    expr = expr.encode("latin-1", "backslashreplace").decode("unicode_escape")
    data = urllib.parse.urlencode({"query": expr, "time": "1000"}).encode()
    try:
        body = json.load(urllib.request.urlopen(url + "/api/v1/query", data))
    except urllib.error.HTTPError as e:
        body = json.load(e)
    if body["status"] == "success":
        print("accepted, skipped:", name, repr(expr))
        continue
    msg = body["error"].split('invalid parameter "query": ', 1)[-1]
    d = os.path.join(here, name)
    os.makedirs(d, exist_ok=True)
    open(os.path.join(d, "input"), "wb").write(expr.encode("utf-8", "surrogateescape"))
    open(os.path.join(d, "error"), "w").write(msg + "\n")
    open(os.path.join(d, "compat"), "w").write("v2\n")
