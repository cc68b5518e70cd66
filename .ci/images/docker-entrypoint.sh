#!/bin/sh
# Entrypoint of the locally built upshift/postgres images: a small stand-in for the official
# postgres image's docker-entrypoint.sh, so the same tests run against either image.
#
# The image is FROM scratch: besides PostgreSQL's own initdb, pg_ctl and postgres binaries there
# is nothing but this shell (dash), so only shell builtins are used here (no mkdir, rm, sed, psql).
#
#   POSTGRES_USER              superuser name (default postgres)
#   POSTGRES_PASSWORD          its password (required unless POSTGRES_HOST_AUTH_METHOD=trust)
#   POSTGRES_DB                database created on first start (default: POSTGRES_USER)
#   POSTGRES_HOST_AUTH_METHOD  auth for remote connections in pg_hba.conf (default scram-sha-256)
#   POSTGRES_INITDB_ARGS       extra initdb arguments (split on spaces)
#
# First start (empty $PGDATA): initdb, create POSTGRES_DB, start and stop a temporary server that
# listens on no TCP address, then run the real server. As with the official image the log says
# "database system is ready to accept connections" twice on a first start, once on later starts.
# Arguments are passed to the server: `docker run IMAGE postgres -c wal_level=logical` (or `-c ...`).
# Not supported: /docker-entrypoint-initdb.d scripts (there is no psql in this image).
# Expected noise on a first start: initdb's "sh: 1: locale: not found" and "WARNING: no usable system
# locales were found" (the image has no system locales; clusters use --locale=C, ICU is there).
set -eu

log() {
    printf 'upshift-entrypoint: %s\n' "$*" >&2
}

die() {
    log "ERROR: $*"
    exit 1
}

# Prints its argument as a double-quoted SQL identifier (embedded double quotes doubled).
sql_ident() {
    rest=$1
    out=
    while :; do
        case $rest in
            *'"'*)
                out="$out${rest%%'"'*}\"\""
                rest=${rest#*'"'}
                ;;
            *)
                out="$out$rest"
                break
                ;;
        esac
    done
    printf '"%s"' "$out"
}

init_cluster() {
    auth=$POSTGRES_HOST_AUTH_METHOD
    log "initialising $PGDATA (superuser $POSTGRES_USER, host auth $auth)"
    # shellcheck disable=SC2086 # POSTGRES_INITDB_ARGS is split on purpose, as in the official image
    if [ -n "${POSTGRES_PASSWORD:-}" ]; then
        printf '%s\n' "$POSTGRES_PASSWORD" | initdb --pgdata="$PGDATA" --username="$POSTGRES_USER" \
            --pwfile=/dev/stdin --locale=C --encoding=UTF8 --auth-local=trust --auth-host="$auth" \
            ${POSTGRES_INITDB_ARGS:-}
    else
        initdb --pgdata="$PGDATA" --username="$POSTGRES_USER" \
            --locale=C --encoding=UTF8 --auth-local=trust --auth-host="$auth" \
            ${POSTGRES_INITDB_ARGS:-}
    fi

    {
        printf '\n# added by the upshift/postgres entrypoint\n'
        printf "listen_addresses = '*'\n"
    } >>"$PGDATA/postgresql.conf"
    {
        printf '\n# added by the upshift/postgres entrypoint: any address, password required\n'
        printf 'host all all 0.0.0.0/0 %s\n' "$auth"
        printf 'host all all ::/0 %s\n' "$auth"
        printf 'host replication all 0.0.0.0/0 %s\n' "$auth"
        printf 'host replication all ::/0 %s\n' "$auth"
    } >>"$PGDATA/pg_hba.conf"

    if [ "$POSTGRES_DB" != postgres ]; then
        log "creating database $POSTGRES_DB"
        # Single-user mode needs no client; exit_on_error turns a failed statement into exit status 1.
        printf 'CREATE DATABASE %s;\n' "$(sql_ident "$POSTGRES_DB")" |
            postgres --single -D "$PGDATA" -c exit_on_error=on -c listen_addresses='' postgres >/dev/null
    fi

    log "temporary server: start and stop (no TCP listener)"
    pg_ctl --pgdata="$PGDATA" --options="-c listen_addresses=''" --wait --timeout=120 start
    pg_ctl --pgdata="$PGDATA" --mode=fast --wait --timeout=120 stop
    log "initialisation complete; starting the server"
}

# `docker run IMAGE -c x=y` means `postgres -c x=y`; any other command runs as given.
case "${1:--}" in
    -*) set -- postgres "$@" ;;
esac
if [ "$1" != postgres ]; then
    exec "$@"
fi
shift

: "${PGDATA:=/var/lib/postgresql/data}"
: "${POSTGRES_USER:=postgres}"
: "${POSTGRES_DB:=$POSTGRES_USER}"
: "${POSTGRES_HOST_AUTH_METHOD:=scram-sha-256}"
export PGDATA

if [ ! -s "$PGDATA/PG_VERSION" ]; then
    if [ -z "${POSTGRES_PASSWORD:-}" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
        die "POSTGRES_PASSWORD is not set. Set it (docker run -e POSTGRES_PASSWORD=...), or allow" \
            "connections without a password with POSTGRES_HOST_AUTH_METHOD=trust (never outside tests)."
    fi
    init_cluster
fi

exec postgres "$@"
