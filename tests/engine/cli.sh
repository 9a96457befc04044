#!/bin/sh
# Tests of `sloeval query --data` and `sloeval test`: output, exit codes,
# one-line errors.
# usage: cli.sh path/to/sloeval
. "$(dirname "$0")/../support/cli_check.sh"

cat >"$tmp/data.om" <<'DATA'
# TYPE req counter
req_total{code="200",region="eu"} 0 1700000000
req_total{code="200",region="eu"} 60 1700000060
req_total{code="200",region="eu"} 120 1700000120
req_total{code="200",region="eu"} 180 1700000180
req_total{code="500",region="eu"} 0 1700000000
req_total{code="500",region="eu"} 6 1700000060
req_total{code="500",region="eu"} 0 1700000120
req_total{code="500",region="eu"} 6 1700000180
# TYPE temp gauge
temp{region="eu"} 21.5 1700000000
temp{region="eu"} 1e-7 1700000400
# EOF
DATA
D="$tmp/data.om"

check vector-text 0 '{code="200", region="eu"}	1
{code="500", region="eu"}	0.05' '' -- query --data "$D" --time 1700000180 'rate(req_total[3m])'
check vector-json 0 '{"resultType":"vector","result":[{"metric":{"code":"200","region":"eu"},"value":[1700000180.500,"1"]},{"metric":{"code":"500","region":"eu"},"value":[1700000180.500,"0.05"]}]}' '' -- \
    query --data "$D" --time 1700000180.5 --output json 'rate(req_total[3m])'
# 2.x includes the sample exactly at the window start, 3.x does not.
check window-v2 0 'scalar	4' '' -- query --data "$D" --compat v2 --time 1700000180 'scalar(count_over_time(req_total{code="200"}[3m]))'
check window-v3 0 'scalar	3' '' -- query --data "$D" --compat v3 --time 1700000180 'scalar(count_over_time(req_total{code="200"}[3m]))'
# A sample exactly 5m old: seen by 2.x, gone for 3.x.
check lookback-v2 0 'temp{region="eu"}	21.5' '' -- query --data "$D" --compat v2 --time 1700000360 'temp offset 1m'
check lookback-v3 0 '(empty vector)' '' -- query --data "$D" --compat v3 --time 1700000360 'temp offset 1m'
check exponent-json 0 '{"resultType":"vector","result":[{"metric":{"__name__":"temp","region":"eu"},"value":[1700000400,"1e-07"]}]}' '' -- \
    query --data "$D" --time 1700000400 --output json temp
check rfc3339 0 'scalar	1700000180' '' -- query --data "$D" --time 2023-11-14T22:16:20Z 'time()'
check bare-date 0 'scalar	1699920000' '' -- query --data "$D" --time 2023-11-14 'time()'
check now-minus 0 'scalar	1' '' -- query --data "$D" --time now-1h 'time() < bool (time() + 3600)'
check check-bad-time 2 '' 'sloeval check: --time: cannot parse "soon" as a time (unix seconds, RFC 3339, YYYY-MM-DD, now or now-<duration>) (see sloeval check --help)' -- \
    check --config "$tmp/none.yaml" --time soon
check check-now-minus 2 '' "sloeval check: $tmp/none.yaml: cannot open: No such file or directory" -- \
    check --config "$tmp/none.yaml" --time now-1h30m
check scalar-json 0 '{"resultType":"scalar","result":[1700000180,"NaN"]}' '' -- \
    query --data "$D" --time 1700000180 --output json '0/0'
check leading-minus 0 '{region="eu"}	-21.5' '' -- query --data "$D" --time 1700000100 -- -temp
check matching-error 2 '' 'sloeval query: multiple matches for labels: many-to-one matching must be explicit (group_left/group_right)' -- \
    query --data "$D" --time 1700000180 'req_total + on(region) temp * 0 + ignoring(code) req_total'
check not-local 2 '' 'sloeval query: not supported for local evaluation: limitk at 1:13' -- \
    query --data "$D" --time 1700000180 --experimental-functions 'vector(1) + limitk(1, temp)'
check no-data 2 '' "sloeval query: a source is needed: --url URL or --data FILE (see sloeval query --help)" -- query up
check data-and-url 2 '' "sloeval query: --data and --url do not go together (see sloeval query --help)" -- \
    query --data "$D" --url http://127.0.0.1:9 up
check mode-without-url 2 '' "sloeval query: --mode goes with --url (see sloeval query --help)" -- \
    query --data "$D" --mode local up
check bad-time 2 '' 'sloeval query: --time: cannot parse "soon" as a time (unix seconds, RFC 3339, YYYY-MM-DD, now or now-<duration>)' -- query --data "$D" --time soon up
check parse-error 2 '' '1:7: parse error: unclosed left parenthesis
sum(up
      ^' -- query --data "$D" --time 0 'sum(up'
check missing-file 2 '' "sloeval query: $tmp/none.om: No such file or directory" -- query --data "$tmp/none.om" up

cat >"$tmp/ok.test" <<'SCRIPT'
load 1m
    m{a="x"} 0+1x10
    h{a="y"} {{schema:0 sum:1 count:1}}x5

eval instant at 5m m
    m{a="x"} 5

eval instant at 10m rate(m[5m])
    {a="x"} 0.016666666666666666

eval instant at 5m sum(h)
    {} 1

eval_fail instant at 5m count_values("a b", m)
SCRIPT
check test-v2 0 "$tmp/ok.test: 3 passed, 0 failed, 1 skipped
3 passed, 0 failed, 1 skipped" '' -- test --compat v2 "$tmp/ok.test"

cat >"$tmp/bad.test" <<'SCRIPT'
load 1m
    m 1 2 3

eval instant at 2m m
    m 4
SCRIPT
check test-failing 1 "FAIL $tmp/bad.test:4 m
    in m: expected 4 for {__name__=\"m\"} but got 3
$tmp/bad.test: 0 passed, 1 failed, 0 skipped
0 passed, 1 failed, 0 skipped" '' -- test "$tmp/bad.test"
check test-missing 2 "$tmp/none.test: 0 passed, 0 failed, 0 skipped
0 passed, 0 failed, 0 skipped" "sloeval test: $tmp/none.test: No such file or directory" -- test "$tmp/none.test"

cli_summary "engine cli"
