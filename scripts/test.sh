#!/usr/bin/env bash
# Runs every test of the workspace, then the guard on this repository.
# This is the test command of the README; .ci/run calls it.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --locked
cargo run --locked -q -p guard -- --format concise
