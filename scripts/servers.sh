#!/usr/bin/env bash
# Starts throwaway Redis and PostgreSQL servers on free loopback ports in a temporary folder.
#
# Source it, then call `servers_start`: it installs the Debian packages when the binaries are
# missing, starts both servers, and exports REDIS_URL, DATABASE_URL and the variables the fault
# tests use to restart Redis (RUNTIME_TEST_REDIS_*). `servers_stop` stops both and removes the
# folder. Redis runs with appendonly and fsync on every write, so a restart keeps accepted tasks.
# PostgreSQL refuses to run as root, so as root the script runs it as the postgres user.

servers_install() {
    if command -v redis-server >/dev/null && servers_pg_bindir >/dev/null; then
        return 0
    fi
    local packages=(redis-server postgresql)
    local apt_args=(install -y --no-install-recommends --no-upgrade "${packages[@]}")
    # CI runners such as GitHub's run as a user with passwordless sudo.
    local sudo=()
    if [[ $(id -u) -ne 0 ]]; then
        sudo=(sudo)
    fi
    if ! "${sudo[@]}" apt-get "${apt_args[@]}"; then
        "${sudo[@]}" apt-get update
        "${sudo[@]}" apt-get "${apt_args[@]}"
    fi
}

# Prints the folder of the newest installed PostgreSQL server binaries.
servers_pg_bindir() {
    local dir
    dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)
    [[ -n "$dir" && -x "$dir/postgres" ]] || return 1
    echo "$dir"
}

# Prints a TCP port on 127.0.0.1 that nothing listens on.
servers_free_port() {
    if command -v python3 >/dev/null; then
        python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
        return
    fi
    # Without Python: a random port that refuses a connection is free.
    local port
    while true; do
        port=$((20000 + RANDOM % 40000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
            echo "$port"
            return
        fi
    done
}

# Runs a command as the postgres user when this shell is root.
servers_as_pg() {
    if [[ $(id -u) -eq 0 ]]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

servers_start() {
    servers_install
    local bindir
    bindir=$(servers_pg_bindir) || {
        echo "servers.sh: no PostgreSQL server binaries under /usr/lib/postgresql" >&2
        return 1
    }
    SERVERS_DIR=$(mktemp -d /tmp/runtime-servers.XXXXXX)
    chmod 755 "$SERVERS_DIR"
    export SERVERS_DIR

    local redis_port
    redis_port=$(servers_free_port)
    mkdir -p "$SERVERS_DIR/redis"
    cat >"$SERVERS_DIR/redis/redis.conf" <<EOF
bind 127.0.0.1
port $redis_port
dir $SERVERS_DIR/redis
appendonly yes
appendfsync always
save ""
daemonize yes
pidfile $SERVERS_DIR/redis/redis.pid
logfile $SERVERS_DIR/redis/redis.log
EOF
    redis-server "$SERVERS_DIR/redis/redis.conf"
    export RUNTIME_TEST_REDIS_CONF="$SERVERS_DIR/redis/redis.conf"
    export RUNTIME_TEST_REDIS_PIDFILE="$SERVERS_DIR/redis/redis.pid"
    export REDIS_URL="redis://127.0.0.1:$redis_port/"

    local pg_port
    pg_port=$(servers_free_port)
    mkdir -p "$SERVERS_DIR/pg"
    chown postgres:postgres "$SERVERS_DIR/pg" 2>/dev/null || true
    servers_as_pg "$bindir/initdb" -D "$SERVERS_DIR/pg/data" -U runtime --auth=trust \
        --no-sync >"$SERVERS_DIR/initdb.log"
    # The settings go into postgresql.conf, so a test that restarts the server keeps them.
    # fsync=off suits throwaway data only.
    servers_as_pg tee -a "$SERVERS_DIR/pg/data/postgresql.conf" >/dev/null <<EOF
listen_addresses = '127.0.0.1'
port = $pg_port
unix_socket_directories = '$SERVERS_DIR/pg'
fsync = off
max_connections = 200
EOF
    servers_as_pg "$bindir/pg_ctl" -D "$SERVERS_DIR/pg/data" -l "$SERVERS_DIR/pg/server.log" -w \
        start >/dev/null
    export SERVERS_PG_BINDIR="$bindir"
    export DATABASE_URL="postgres://runtime@127.0.0.1:$pg_port/postgres"

    local attempt
    for attempt in $(seq 50); do
        if redis-cli -u "$REDIS_URL" ping >/dev/null 2>&1; then
            echo "servers.sh: Redis at $REDIS_URL, PostgreSQL at $DATABASE_URL" >&2
            return 0
        fi
        sleep 0.1
    done
    echo "servers.sh: Redis did not respond on $REDIS_URL; log: $SERVERS_DIR/redis/redis.log" >&2
    return 1
}

servers_stop() {
    [[ -n "${SERVERS_DIR:-}" && -d "$SERVERS_DIR" ]] || return 0
    if [[ -f "$SERVERS_DIR/redis/redis.pid" ]]; then
        kill "$(cat "$SERVERS_DIR/redis/redis.pid")" 2>/dev/null || true
    fi
    if [[ -n "${SERVERS_PG_BINDIR:-}" && -d "$SERVERS_DIR/pg/data" ]]; then
        servers_as_pg "$SERVERS_PG_BINDIR/pg_ctl" -D "$SERVERS_DIR/pg/data" -m immediate -w stop \
            >/dev/null 2>&1 || true
    fi
    rm -rf "$SERVERS_DIR"
    unset SERVERS_DIR
}
