#!/usr/bin/env bash
# Makes a Docker engine answer on this machine, for the Testcontainers provider: installs Debian's
# docker.io when dockerd is missing and starts dockerd in the background. Does nothing when
# `docker info` already answers. Needs root (CI runs as root).
#
#   .ci/start-dockerd.sh
#
#   DOCKERD_LOG        dockerd's log file          (default /var/log/upshift-dockerd.log)
#   DOCKERD_WAIT       seconds to wait for it      (default 60)
#   DOCKERD_FLAGS      extra dockerd flags, split on spaces (default none; on a machine without
#                      overlayfs or iptables try "--storage-driver=vfs --iptables=false --bridge=none")
#
# dockerd's defaults work on the project's machines (Debian 12, cgroup v1, overlay2 on ext4,
# iptables-nft); nothing is pulled, images are built locally by .ci/build-images.sh.
set -euo pipefail

readonly log=${DOCKERD_LOG:-/var/log/upshift-dockerd.log}
readonly wait_seconds=${DOCKERD_WAIT:-60}
readonly pid_file=/var/run/docker.pid
log_offset=0 # where this run's part of the (appended) log starts

say() {
    echo "start-dockerd: $*"
}

# True when process $1 exists and is not a zombie (kill -0 also succeeds on a zombie).
alive() {
    local stat
    stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
    stat=${stat##*) }
    [[ ${stat:0:1} != Z ]]
}

fail() {
    echo "start-dockerd: ERROR: $*" >&2
    if [[ -s $log ]]; then
        echo "--- last lines of $log ---" >&2
        tail -c "+$((log_offset + 1))" "$log" | tail -n 25 >&2
    fi
    exit 1
}

if docker info >/dev/null 2>&1; then
    say "a Docker engine already answers"
    exit 0
fi

[[ $(id -u) == 0 ]] || fail "must run as root to install and start dockerd"

if ! command -v dockerd >/dev/null; then
    say "installing docker.io from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null || fail "apt-get update failed"
    apt-get install -y -q --no-install-recommends docker.io iptables >/dev/null || fail "apt-get install docker.io failed"
fi

# A pid file left by a dockerd that died makes a new one refuse to start; one that is alive is
# still starting (another run of this script), so only wait for it.
running_pid=
if [[ -s $pid_file ]]; then
    pid=$(<"$pid_file")
    if alive "$pid" && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == dockerd ]]; then
        running_pid=$pid
        say "dockerd (pid $pid) is running but not answering yet; waiting for it"
    else
        say "removing stale $pid_file (pid $pid is gone)"
        rm -f "$pid_file"
    fi
fi

if [[ -z $running_pid ]]; then
    mkdir -p "$(dirname "$log")"
    log_offset=$(stat -c %s "$log" 2>/dev/null || echo 0)
    read -r -a extra_flags <<<"${DOCKERD_FLAGS:-}"
    say "starting dockerd${extra_flags[*]:+ ${extra_flags[*]}} (log: $log)"
    # setsid + nohup: dockerd outlives this script and the CI step's shell.
    setsid nohup dockerd "${extra_flags[@]}" </dev/null >>"$log" 2>&1 &
    running_pid=$!
fi

for ((waited = 0; waited < wait_seconds; waited++)); do
    if docker info >/dev/null 2>&1; then
        say "Docker engine answers after ${waited} s: $(docker version --format 'server {{.Server.Version}}, API {{.Server.APIVersion}}' 2>/dev/null)"
        exit 0
    fi
    alive "$running_pid" || fail "dockerd (pid $running_pid) exited during start-up"
    sleep 1
done
fail "no answer from dockerd (pid $running_pid) after ${wait_seconds} s"
