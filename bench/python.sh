#!/usr/bin/env bash
# Benchmarks the guard's Python analyzer on the django and sqlalchemy source
# distributions from PyPI and compares it with ruff's banned-api rule (TID251)
# with the same bans on the same files.
#
# The sdists are downloaded into GUARD_BENCH_CACHE and unpacked into a
# temporary folder, both outside the repository; nothing is committed.
# Prints files, lines, findings of each tool, the median wall time of several
# runs, peak memory and the ratio. Usage: bench/python.sh [RUNS]
set -euo pipefail

runs=${1:-5}
repo=$(cd "$(dirname "$0")/.." && pwd)
target=${CARGO_TARGET_DIR:-$repo/target}
work=$(mktemp -d /tmp/guard-bench-python.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "building the release guard"
cargo build --release -q -p guard --manifest-path "$repo/Cargo.toml"
guard="$target/release/guard"

cache=${GUARD_BENCH_CACHE:-/tmp/guard-bench-cache}
mkdir -p "$cache/pypi" "$work/corpus"
if ! ls "$cache"/pypi/django-*.tar.gz "$cache"/pypi/sqlalchemy-*.tar.gz > /dev/null 2>&1; then
  echo "downloading the django and sqlalchemy sdists into $cache/pypi"
  pip download -q --no-deps --no-binary :all: django sqlalchemy -d "$cache/pypi"
fi
for sdist in "$cache"/pypi/django-*.tar.gz "$cache"/pypi/sqlalchemy-*.tar.gz; do
  tar xzf "$sdist" -C "$work/corpus"
done

if ! command -v ruff > /dev/null; then
  echo "installing ruff with pip"
  pip install -q ruff
fi

# The same bans for both tools. Like ruff's banned-api, the guard bans the
# calls everywhere (`only-in = []`: no file is exempt) and reports direct
# calls only, because ruff has no call graph. With python-on-demand the guard
# parses only the files whose text names a ban or a name bound to one.
cat > "$work/corpus/rules.toml" <<'TOML'
[guard]
python-on-demand = true

[[rule]]
id = "no-blocking"
message = "blocking call"
only-in = []
allow-test-code = false
transitive = false
[[rule.forbid]]
path = "time.sleep"
[[rule.forbid]]
path = "subprocess.run"
[[rule.forbid]]
path = "subprocess.Popen"
[[rule.forbid]]
path = "urllib.request.urlopen"
[[rule.forbid]]
path = "socket.create_connection"
[[rule.forbid]]
path = "pickle.loads"
TOML
cat > "$work/corpus/ruff.toml" <<'TOML'
[lint.flake8-tidy-imports.banned-api]
"time.sleep".msg = "blocking call"
"subprocess.run".msg = "blocking call"
"subprocess.Popen".msg = "blocking call"
"urllib.request.urlopen".msg = "blocking call"
"socket.create_connection".msg = "blocking call"
"pickle.loads".msg = "blocking call"
TOML

files=$(find "$work/corpus" -name '*.py' | wc -l)
lines=$(find "$work/corpus" -name '*.py' -print0 | xargs -0 cat | wc -l)
bytes=$(find "$work/corpus" -name '*.py' -print0 | xargs -0 cat | wc -c)

# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

cd "$work/corpus"
echo
echo "corpus: $files files, $lines lines, $((bytes / 1048576)) MiB of Python ($(ls "$work/corpus" | grep -v toml | tr '\n' ' '))"
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), load average $(cut -d' ' -f1-3 /proc/loadavg)"

"$guard" --no-cache check --format json > "$work/guard.json" 2> "$work/guard.stderr" || true
[ -s "$work/guard.json" ] || { echo "the guard failed on the corpus:"; cat "$work/guard.stderr"; exit 1; }
ruff check --no-cache --select TID251 --output-format json --exit-zero . > "$work/ruff.json" 2> /dev/null
python3 - "$work/guard.json" "$work/ruff.json" <<'PY'
import collections, json, sys
guard = json.load(open(sys.argv[1]))
ruff = json.load(open(sys.argv[2]))
print(f"guard findings: {guard['summary']['findings']} calls, {guard['summary']['errors']} parse errors")
print(f"ruff findings:  {len(ruff)} references (imports and uses)")
by_ban = collections.Counter(f["ban"] for f in guard["findings"])
print("guard by ban:   " + ", ".join(f"{ban} {count}" for ban, count in sorted(by_ban.items())))
PY

echo
echo "cold: no cache (the guard parses only the files that name a ban; ruff reads every file)"
measure guard-cold "$guard" --no-cache check --format json
measure ruff-cold ruff check --no-cache --select TID251 --exit-zero .
echo
echo "warm: nothing changed since the previous run"
"$guard" check --format json > /dev/null 2>&1 || true
measure guard-warm "$guard" check --format json
ruff check --select TID251 --exit-zero . > /dev/null 2>&1
measure ruff-warm ruff check --select TID251 --exit-zero .

echo
for mode in cold warm; do
  echo "ratio guard / ruff, $mode: $(echo "$(cat "$work/median-guard-$mode") / $(cat "$work/median-ruff-$mode")" | bc -l | cut -c1-6)"
done
