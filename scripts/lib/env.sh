# shellcheck shell=bash
# Python environment for yys: a virtualenv at .venv with the locked dependencies and yys itself
# installed in editable mode. Sourced by scripts/test and scripts/up; sourcing runs nothing,
# call `yys_ensure_venv`.
#
# Honours:
#   YYS_PYTHON   interpreter used to create the venv (default: python3; must be >= 3.11)
#   YYS_VENV     venv directory (default: <repo>/.venv)
#   YYS_NO_UV=1  install with plain pip instead of uv
#   YYS_FORCE_INSTALL=1  reinstall even when the lock and pyproject did not change
#
# After yys_ensure_venv: YYS_VENV, VIRTUAL_ENV and PATH point at the venv.

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

YYS_VENV="${YYS_VENV:-${YYS_ROOT}/.venv}"
YYS_PYTHON="${YYS_PYTHON:-python3}"
# Bump when the install procedure itself changes, so existing venvs are refreshed once.
_YYS_STAMP_VERSION=1

# Make sure `$YYS_PYTHON -m venv` works (Debian splits ensurepip into python3-venv).
_yys_ensure_venv_module() {
  command -v "${YYS_PYTHON}" >/dev/null 2>&1 || yys_die "${YYS_PYTHON} not found (Python >= 3.11 is required)"
  "${YYS_PYTHON}" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
    || yys_die "$("${YYS_PYTHON}" -V 2>&1) is too old: yys needs Python >= 3.11 (set YYS_PYTHON)"
  if ! "${YYS_PYTHON}" -c 'import ensurepip, venv' >/dev/null 2>&1; then
    local minor
    minor="$("${YYS_PYTHON}" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')"
    yys_log "${YYS_PYTHON} lacks the venv module; installing python3-venv"
    yys_apt_install python3-venv "python${minor}-venv"
  fi
}

# Digest of everything that decides what the venv must contain.
_yys_deps_digest() {
  {
    printf 'stamp=%s\n' "${_YYS_STAMP_VERSION}"
    "${YYS_VENV}/bin/python" -c 'import sys; print(sys.version)'
    cat "${YYS_ROOT}/requirements.lock" "${YYS_ROOT}/pyproject.toml"
  } | sha256sum | cut -d' ' -f1
}

_yys_venv_usable() {
  [[ -x "${YYS_VENV}/bin/python" ]] \
    && "${YYS_VENV}/bin/python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' >/dev/null 2>&1
}

_yys_install_with_uv() {
  local py="${YYS_VENV}/bin/python"
  if [[ ! -x "${YYS_VENV}/bin/uv" ]]; then
    yys_log "installing uv into the venv"
    "${py}" -m pip install --quiet --disable-pip-version-check uv || return 1
  fi
  # The machine's pip config (extra indexes, find-links, constraints) does not apply to uv.
  UV_LINK_MODE="${UV_LINK_MODE:-copy}" VIRTUAL_ENV="${YYS_VENV}" \
    "${YYS_VENV}/bin/uv" pip install --python "${py}" -r "${YYS_ROOT}/requirements.lock" || return 1
  UV_LINK_MODE="${UV_LINK_MODE:-copy}" VIRTUAL_ENV="${YYS_VENV}" \
    "${YYS_VENV}/bin/uv" pip install --python "${py}" --no-deps -e "${YYS_ROOT}" || return 1
}

_yys_install_with_pip() {
  local py="${YYS_VENV}/bin/python"
  "${py}" -m pip install --quiet --disable-pip-version-check -r "${YYS_ROOT}/requirements.lock" || return 1
  "${py}" -m pip install --quiet --disable-pip-version-check --no-deps -e "${YYS_ROOT}" || return 1
}

_yys_ensure_venv_locked() {
  if ! _yys_venv_usable; then
    _yys_ensure_venv_module
    if [[ -e "${YYS_VENV}" ]]; then
      yys_log "recreating unusable venv at ${YYS_VENV}"
      "${YYS_PYTHON}" -m venv --clear "${YYS_VENV}" || yys_die "python -m venv failed"
    else
      yys_log "creating venv at ${YYS_VENV} with $("${YYS_PYTHON}" -V 2>&1)"
      "${YYS_PYTHON}" -m venv "${YYS_VENV}" || yys_die "python -m venv failed"
    fi
  fi

  local stamp="${YYS_VENV}/.yys-deps.sha256" want have=""
  want="$(_yys_deps_digest)"
  [[ -f "${stamp}" ]] && have="$(<"${stamp}")"
  if [[ "${want}" == "${have}" && -z "${YYS_FORCE_INSTALL:-}" ]] \
    && "${YYS_VENV}/bin/python" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("yys") is None)' \
      >/dev/null 2>&1; then
    return 0
  fi

  yys_log "installing dependencies (requirements.lock / pyproject.toml changed since last install)"
  rm -f "${stamp}"
  if [[ -z "${YYS_NO_UV:-}" ]] && _yys_install_with_uv; then
    :
  else
    [[ -z "${YYS_NO_UV:-}" ]] && yys_warn "uv install failed; falling back to pip"
    _yys_install_with_pip || yys_die "dependency installation failed"
  fi
  printf '%s\n' "${want}" >"${stamp}"
  yys_log "venv ready"
}

# Create or refresh the venv (fast no-op when nothing changed), then activate it for this shell.
yys_ensure_venv() {
  local lock_dir lock_file
  lock_dir="${TMPDIR:-/tmp}"
  lock_file="${lock_dir}/yys-venv-$(printf '%s' "${YYS_VENV}" | cksum | cut -d' ' -f1).lock"
  if command -v flock >/dev/null 2>&1; then
    # Serialise concurrent runs (scripts/test and scripts/up at once) on the same venv.
    local fd
    exec {fd}>"${lock_file}"
    flock "${fd}"
    _yys_ensure_venv_locked
    flock -u "${fd}"
    exec {fd}>&-
  else
    _yys_ensure_venv_locked
  fi
  export YYS_VENV
  export VIRTUAL_ENV="${YYS_VENV}"
  case ":${PATH}:" in
    *":${YYS_VENV}/bin:"*) ;;
    *) export PATH="${YYS_VENV}/bin:${PATH}" ;;
  esac
}
