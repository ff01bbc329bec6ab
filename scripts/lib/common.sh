# shellcheck shell=bash
# Shared helpers for the scripts in scripts/: repo root, logging, apt-get.
# Sourced, never executed. Safe to source more than once.

if [[ -n "${_YYS_COMMON_SOURCED:-}" ]]; then
  return 0
fi
_YYS_COMMON_SOURCED=1

# Repository root, derived from this file's location (scripts/lib/common.sh).
YYS_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
export YYS_ROOT

yys_log() { printf '[yys] %s\n' "$*" >&2; }
yys_warn() { printf '[yys] WARNING: %s\n' "$*" >&2; }
yys_die() {
  printf '[yys] ERROR: %s\n' "$*" >&2
  exit 1
}
yys_heading() {
  printf '\n\033[1m==> %s\033[0m\n' "$*" >&2
}
if [[ -n "${NO_COLOR:-}" || ! -t 2 ]]; then
  yys_heading() { printf '\n==> %s\n' "$*" >&2; }
fi

# Run a command as root (directly, or through sudo when we are not root).
yys_as_root() {
  if [[ "${EUID}" -eq 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo -n "$@"
  else
    yys_die "need root to run: $* (no sudo found)"
  fi
}

_YYS_APT_UPDATED=""

# apt-get install PACKAGE... : runs `apt-get update` once per shell, installs non-interactively
# and keeps Debian's maintainer scripts from starting the freshly installed daemons (we start
# our own instances and stop them afterwards; a daemon started by postinst would be left behind).
yys_apt_install() {
  command -v apt-get >/dev/null 2>&1 || yys_die "apt-get not found; install $* by hand"
  if [[ -z "${_YYS_APT_UPDATED}" ]]; then
    yys_log "apt-get update"
    yys_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq </dev/null \
      || yys_die "apt-get update failed"
    _YYS_APT_UPDATED=1
  fi
  local policy="/usr/sbin/policy-rc.d" made_policy="" rc=0
  if [[ ! -e "${policy}" ]]; then
    printf '#!/bin/sh\n# temporary, written by yys scripts/lib/common.sh\nexit 101\n' \
      | yys_as_root tee "${policy}" >/dev/null
    yys_as_root chmod 755 "${policy}"
    made_policy=1
  fi
  yys_log "apt-get install -y $*"
  yys_as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
    </dev/null || rc=$?
  if [[ -n "${made_policy}" ]]; then
    yys_as_root rm -f "${policy}"
  fi
  [[ "${rc}" -eq 0 ]] || yys_die "apt-get install $* failed (exit ${rc})"
}

# First of the given command names found on PATH or in the sbin directories; empty if none.
yys_find_cmd() {
  local name dir
  for name in "$@"; do
    if command -v "${name}" >/dev/null 2>&1; then
      command -v "${name}"
      return 0
    fi
    for dir in /usr/sbin /sbin /usr/local/sbin; do
      if [[ -x "${dir}/${name}" ]]; then
        printf '%s\n' "${dir}/${name}"
        return 0
      fi
    done
  done
  return 1
}
