#!/usr/bin/env bash
# Runs every test of the workspace, then the guard on this repository.
# This is the test command of the README; .ci/run calls it.
#
# The runtime's server tests need Redis and PostgreSQL: this script starts throwaway servers on
# free loopback ports (scripts/servers.sh, which installs the Debian packages when missing), sets
# REDIS_URL and DATABASE_URL, and stops them on exit. When a server cannot start, the run fails.
set -euo pipefail
cd "$(dirname "$0")/.."

source scripts/servers.sh
trap servers_stop EXIT
if ! servers_start; then
    echo "test.sh: cannot start Redis and PostgreSQL; the server tests cannot run" >&2
    exit 1
fi

cargo test --workspace --locked
cargo run --locked -q -p guard -- --format concise
