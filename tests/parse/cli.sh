#!/bin/sh
# Tests of `sloeval parse`: output, exit codes, error lines, options.
# usage: cli.sh path/to/sloeval
. "$(dirname "$0")/../support/cli_check.sh"

check canonical 0 'sum by (job) (rate(x{a="b"}[5m])) > 0.1' '' -- \
    parse 'sum(rate(x{a="b"}[5m]))by(job)>0.1'
check compat-v2-equals 0 'x[5m]' '' -- parse --compat=v2 'x[5m]'
check compat-v2 2 '' '1:3: parse error: missing unit character in duration
x[5]
  ^' -- parse --compat v2 'x[5]'
check compat-v3 0 'x[5s]' '' -- parse --compat v3 'x[5]'
check leading-minus 0 '-1' '' -- parse -- -1
check leading-minus-unquoted 2 '' "sloeval parse: unknown option '-x' (put -- before an argument that starts with '-') (see sloeval parse --help)" -- parse -x
check multiline-caret 2 '' '2:15: parse error: unexpected identifier "bar" in aggregation
  rate(x[5m]) bar
              ^' -- parse 'sum(
  rate(x[5m]) bar
)'
check tab-caret 2 '' '1:3: parse error: unexpected identifier "y"
x	y
 	^' -- parse 'x	y'
check json 0 '{"kind":"number","type":"scalar","start":0,"end":1,"value":1}' '' -- parse --output json 1
check bad-output 2 '' "sloeval parse: --output must be one of text, json, not 'xml' (see sloeval parse --help)" -- parse --output xml x
check missing-value 2 '' 'sloeval parse: --output needs a value (text|json) (see sloeval parse --help)' -- parse x --output
check twice 2 '' 'sloeval parse: --compat given more than once (see sloeval parse --help)' -- parse --compat v2 --compat v3 x
check unknown-option 2 '' "sloeval parse: unknown option '--nope' (see sloeval parse --help)" -- parse --nope x
check no-expr 2 '' 'sloeval parse: missing EXPR (see sloeval parse --help)' -- parse
check two-exprs 2 '' 'sloeval parse: too many arguments (expected EXPR) (see sloeval parse --help)' -- parse x y
check empty-expr 2 '' '1:1: parse error: no expression found in input

^' -- parse ''
check experimental 0 'limitk(1, x)' '' -- parse --experimental-functions 'limitk(1,x)'
check flag-value 2 '' 'sloeval parse: --experimental-functions takes no value (see sloeval parse --help)' -- parse --experimental-functions=1 x

n=$((n + 1))
if ! "$BIN" parse --help | grep -q '^usage: sloeval parse \[--output text|json\] \[--compat v2|v3\]'; then
    fails=$((fails + 1)); echo "FAIL help"
fi
n=$((n + 1))
if ! "$BIN" --help | grep -q '^  parse '; then
    fails=$((fails + 1)); echo "FAIL command table"
fi

cli_summary "cli"
