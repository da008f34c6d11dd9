#!/usr/bin/env bash
# Runs schemathesis (pinned) against a demo exchange, as a buyer, a provider and the
# operator, with every check, all phases (examples, coverage, fuzzing, stateful links),
# and prints its summary for each; exits non-zero if any run found a failure.
#   tools/schemathesis/run.sh [path/to/mw] [max-examples]
# Uses the schemathesis in $MW_SCHEMATHESIS (a virtualenv), else installs it into
# target/schemathesis (PyPI). crates/cli/tests/schemathesis.rs runs this in the suite.
set -euo pipefail
cd "$(dirname "$0")/../.."
MW="${1:-target/debug/mw}"
EXAMPLES="${2:-25}"
ST="${MW_SCHEMATHESIS:-target/schemathesis}"
if [ ! -x "$ST/bin/schemathesis" ]; then
  python3 -m venv "$ST"
  "$ST/bin/pip" install -q "schemathesis==4.32.5"
fi
dir=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
"$MW" serve --demo --rate-limit 0 --listen 127.0.0.1:0 --data "$dir/mw.db" >"$dir/out" 2>"$dir/err" &
pid=$!
for _ in $(seq 1 100); do grep -q "export MW_URL=" "$dir/out" 2>/dev/null && break; sleep 0.1; done
keys=$(grep "export MW_URL=" "$dir/out")
eval "${keys#*export }"
export SCHEMATHESIS_HOOKS=hooks PYTHONPATH="$PWD/tools/schemathesis"
status=0
for who in ACME COLOSSUS OPERATOR; do
  echo "== schemathesis as $who"
  "$ST/bin/schemathesis" --no-color --config-file tools/schemathesis/schemathesis.toml run \
    "$MW_URL/v1/openapi.json" --url "$MW_URL" -H "Authorization: Bearer ${!who}" \
    --checks all --max-examples "$EXAMPLES" --workers 1 --seed 1 \
    --exclude-path /v1/events >"$dir/$who.txt" 2>&1 || status=1
  if [ -n "${ST_LOGS:-}" ]; then cp "$dir/$who.txt" "$ST_LOGS/"; fi
  sed -n '/SUMMARY/,$p' "$dir/$who.txt"
done
exit $status
