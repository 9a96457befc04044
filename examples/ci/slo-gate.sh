#!/bin/sh
# A CI gate before a deploy: go ahead only when the SLOs and alerts of the
# target region and of the global scope are decided, nothing fires, and no
# SLO has spent its error budget.
# Usage: slo-gate.sh CONFIG REGION [more sloeval check options]
# Prints the report, writes JUnit XML to $SLO_GATE_JUNIT (default
# sloeval-junit.xml) for the CI system's test view, and exits 0 to deploy,
# 1 not to. $SLO_GATE_BUDGET_BELOW is the budget gate, in percent of the
# budget left (default 0: an overspent SLO stops the deploy; a config's own
# gate.budget_below per SLO wins). $SLOEVAL names the sloeval command
# (default: sloeval).
set -u
config=$1 region=$2
shift 2
budget=${SLO_GATE_BUDGET_BELOW:-0}
status=0
"${SLOEVAL:-sloeval}" check --config "$config" --region "$region" --region global \
    --fail-on-budget-below "$budget" \
    --output text --output "junit=${SLO_GATE_JUNIT:-sloeval-junit.xml}" "$@" || status=$?
case $status in
0) echo "slo-gate: $region and the global scope are within their error budgets: deploying" ;;
1) echo "slo-gate: an SLO or alert fires, or an error budget is below its gate ($budget% left by default): not deploying"; exit 1 ;;
3) echo "slo-gate: cannot tell (a backend failed or data is missing): not deploying"; exit 1 ;;
*) echo "slo-gate: sloeval check failed (exit $status): not deploying"; exit 1 ;;
esac
