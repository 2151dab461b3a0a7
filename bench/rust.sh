#!/usr/bin/env bash
# Benchmarks the guard on real Rust crates from the crates.io registry and
# compares it with clippy's disallowed-methods on one of them.
#
# The crates are fetched into a temporary folder outside the repository and
# never committed. Prints files, lines, findings, median wall time of several
# runs and peak memory. Usage: bench/rust.sh [RUNS]
set -euo pipefail

runs=${1:-5}
repo=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d /tmp/guard-bench-rust.XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "building the release guard"
cargo build --release -q -p guard --manifest-path "$repo/Cargo.toml"
guard="$repo/target/release/guard"

echo "fetching crate sources from crates.io into $work"
mkdir -p "$work/fetch/src" "$work/corpus"
cat > "$work/fetch/Cargo.toml" <<'TOML'
[package]
name = "bench-fetch"
version = "0.0.0"
edition = "2021"
[dependencies]
tokio = { version = "=1.47.1", features = ["full"] }
syn = { version = "=2.0.106", features = ["full"] }
regex = "=1.11.2"
serde = "=1.0.219"
hyper = { version = "=1.7.0", features = ["full"] }
TOML
touch "$work/fetch/src/lib.rs"
# The registry download is kept between runs in GUARD_BENCH_CACHE (outside the repository).
cache=${GUARD_BENCH_CACHE:-/tmp/guard-bench-cache}
mkdir -p "$cache"
CARGO_HOME="$cache/cargo-home" cargo fetch -q --manifest-path "$work/fetch/Cargo.toml"
# Every crate of the dependency tree, except the Windows API bindings
# (generated declarations with no calls, which would only inflate the line count).
for src in "$cache"/cargo-home/registry/src/*/*/; do
  case "$(basename "$src")" in windows*) continue ;; esac
  cp -r "$src" "$work/corpus/"
done

cat > "$work/corpus/rules.toml" <<'TOML'
[[rule]]
id = "no-blocking"
message = "blocking call in hot-path code"
hot-path = { files = ["**/src/**"] }
[[rule.forbid]]
path = "std::thread::sleep"
[[rule.forbid]]
path = "std::fs::read_to_string"
[[rule.forbid]]
path = "*::block_on"
[[rule.forbid]]
path = "std::process::**"
TOML

files=$(find "$work/corpus" -name '*.rs' | wc -l)
lines=$(find "$work/corpus" -name '*.rs' -print0 | xargs -0 cat | wc -l)

# shellcheck source=bench/lib.sh
source "$repo/bench/lib.sh"

echo
echo "corpus: $files files, $lines lines of Rust in $(ls "$work/corpus" | wc -l) crates (tokio, syn, regex, serde, hyper and their dependencies)"
(cd "$work/corpus" && "$guard" --format json > "$work/findings.json" 2> "$work/stderr" || true)
[ -s "$work/findings.json" ] || { echo "the guard failed on the corpus:"; cat "$work/stderr"; exit 1; }
findings=$(python3 -c "import json,sys; print(json.load(open('$work/findings.json'))['summary']['findings'])")
echo "guard findings: $findings"
measure guard-cold bash -c "cd '$work/corpus' && '$guard' --no-cache --format json"
measure guard-warm bash -c "cd '$work/corpus' && '$guard' --format json"
sed -i 's/^message = /transitive = false\nmessage = /' "$work/corpus/rules.toml"
measure guard-cold-direct-only bash -c "cd '$work/corpus' && '$guard' --no-cache --format json"
med=$(cat "$work/median-guard-cold")
echo "lines per second, cold: $(echo "$lines / $med" | bc); warm (models cached): $(echo "$lines / $(cat "$work/median-guard-warm")" | bc)"
echo "phases of one cold run (GUARD_LOG=timing), the call graph and rules being the transitive cost:"
(cd "$work/corpus" && sed -i 's/^transitive = false$//' rules.toml && GUARD_LOG=timing "$guard" --no-cache --format json 2>&1 >/dev/null | grep '^guard:' | sed 's/^/  /')
sed -i 's/^message = /transitive = false\nmessage = /' "$work/corpus/rules.toml"
echo "transitive pass overhead, cold: $(echo "($med / $(cat "$work/median-guard-cold-direct-only") - 1) * 100" | bc -l | cut -c1-5) %"

echo
echo "clippy disallowed-methods on regex-syntax (a clean build of that crate in each run)"
clippy_dir=$(find "$work/corpus" -maxdepth 1 -type d -name 'regex-syntax-*' | head -n 1)
cat > "$clippy_dir/clippy.toml" <<'TOML'
disallowed-methods = ["std::thread::sleep", "std::fs::read_to_string", "std::process::exit"]
TOML
guard_lines=$(find "$clippy_dir" -name '*.rs' -print0 | xargs -0 cat | wc -l)
echo "$(basename "$clippy_dir"): $guard_lines lines"
clippy_run="cd '$clippy_dir' && CARGO_HOME='$cache/cargo-home' CARGO_TARGET_DIR='$work/clippy-target' cargo clippy -q --lib -- -W clippy::disallowed_methods"
bash -c "$clippy_run" > /dev/null 2> "$work/clippy.log" || { echo "clippy failed:"; tail -n 20 "$work/clippy.log"; exit 1; }
echo "clippy disallowed-methods warnings: $(grep -c 'disallowed_methods\|disallowed method' "$work/clippy.log" || true)"
measure clippy-regex-syntax bash -c "rm -rf '$work/clippy-target'; $clippy_run > /dev/null 2>&1"
cp "$work/corpus/rules.toml" "$clippy_dir/rules.toml"
measure guard-regex-syntax bash -c "cd '$clippy_dir' && '$guard' --no-cache --format json"
echo "ratio clippy / guard on regex-syntax: $(echo "$(cat "$work/median-clippy-regex-syntax") / $(cat "$work/median-guard-regex-syntax")" | bc -l | cut -c1-7)"
