# shellcheck shell=bash
# The real servers the integration suites need: MariaDB and Redis (and the nginx binary).
#
#   ensure_mariadb          make sure a MariaDB answers at YYS_TEST_MARIADB_HOST:PORT
#   ensure_redis            make sure a Redis answers at YYS_TEST_REDIS_URL
#   ensure_nginx            make sure an nginx binary is installed (install only, never started)
#   ensure_prometheus       make sure prometheus, promtool, prometheus-alertmanager and amtool are
#                           installed (install only; tests start their own instances)
#   ensure_chromium         make sure a headless-capable chromium is installed (browser tests)
#   stop_started_services   stop (by PID) only what ensure_* started, and delete its data
#
# When the port is already open the server is used as it is. When it is closed and the host is
# local, the server is installed with apt-get if missing and a throwaway instance (temporary data
# directory, in its own session via setsid) is started on that port. Nothing else is ever killed.
#
# Honours (and exports, for tests/support/servers.py):
#   YYS_TEST_MARIADB_HOST      default 127.0.0.1
#   YYS_TEST_MARIADB_PORT      default 3306
#   YYS_TEST_MARIADB_USER      default root
#   YYS_TEST_MARIADB_PASSWORD  default empty
#   YYS_TEST_REDIS_URL         default redis://127.0.0.1:6379 (no database number: the tests pick one)
#   YYS_SERVICE_START_TIMEOUT  seconds to wait for a started server, default 60

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

export YYS_TEST_MARIADB_HOST="${YYS_TEST_MARIADB_HOST:-127.0.0.1}"
export YYS_TEST_MARIADB_PORT="${YYS_TEST_MARIADB_PORT:-3306}"
export YYS_TEST_MARIADB_USER="${YYS_TEST_MARIADB_USER:-root}"
export YYS_TEST_MARIADB_PASSWORD="${YYS_TEST_MARIADB_PASSWORD:-}"
export YYS_TEST_REDIS_URL="${YYS_TEST_REDIS_URL:-redis://127.0.0.1:6379}"

# What this shell started, in start order: "name pid binary dir" per entry.
_YYS_STARTED=()
_YYS_LAST_PID=""

# yys_port_open HOST PORT
yys_port_open() {
  # shellcheck disable=SC2016  # expanded by the inner bash
  timeout 2 bash -c 'exec 3<>"/dev/tcp/$1/$2"' _ "$1" "$2" >/dev/null 2>&1
}

_yys_is_local_host() {
  case "$1" in
    127.0.0.1 | localhost | ::1 | "[::1]") return 0 ;;
    *) return 1 ;;
  esac
}

# _yys_pid_is PID BINARY : true while PID is alive and still runs BINARY (guards against PID reuse).
_yys_pid_is() {
  local pid="$1" binary="$2" exe
  kill -0 "${pid}" 2>/dev/null || return 1
  exe="$(readlink "/proc/${pid}/exe" 2>/dev/null || true)"
  [[ -z "${exe}" || "${exe}" == "$(readlink -f "${binary}")" ]]
}

_yys_tail_log() {
  local file="$1"
  if [[ -f "${file}" ]]; then
    printf -- '----- last lines of %s -----\n' "${file}" >&2
    tail -n 30 "${file}" >&2 || true
    printf -- '-----\n' >&2
  fi
}

# _yys_wait_ready NAME PID LOG CHECK_CMD... : poll CHECK_CMD until it succeeds or the server dies.
_yys_wait_ready() {
  local name="$1" pid="$2" log="$3"
  shift 3
  local deadline=$((SECONDS + ${YYS_SERVICE_START_TIMEOUT:-60}))
  until "$@" >/dev/null 2>&1; do
    if ! kill -0 "${pid}" 2>/dev/null; then
      _yys_tail_log "${log}"
      yys_die "${name} (pid ${pid}) exited during start-up"
    fi
    if ((SECONDS >= deadline)); then
      _yys_tail_log "${log}"
      yys_die "${name} (pid ${pid}) not ready after ${YYS_SERVICE_START_TIMEOUT:-60}s"
    fi
    sleep 0.2
  done
}

# _yys_record_pid NAME BINARY DIR PIDFILE : after start-up, trust the server's own pid file over
# $! (they differ only if setsid had to fork, e.g. when sourced from a shell with job control).
_yys_record_pid() {
  local name="$1" binary="$2" dir="$3" pidfile="$4" filepid=""
  [[ -f "${pidfile}" ]] && filepid="$(tr -dc '0-9' <"${pidfile}")"
  if [[ -n "${filepid}" && "${filepid}" != "${_YYS_LAST_PID}" ]] && _yys_pid_is "${filepid}" "${binary}"; then
    _YYS_STARTED[${#_YYS_STARTED[@]} - 1]="${name} ${filepid} ${binary} ${dir}"
    _YYS_LAST_PID="${filepid}"
  fi
}

# ----------------------------------------------------------------------------------- MariaDB

_yys_sql_quote() {
  local s="${1//\\/\\\\}"
  printf "'%s'" "${s//\'/\'\'}"
}

_yys_mariadb_login_ok() {
  local client
  client="$(yys_find_cmd mariadb mysql)" || return 0 # no client: cannot tell, assume fine
  MYSQL_PWD="${YYS_TEST_MARIADB_PASSWORD}" "${client}" --no-defaults --protocol=TCP \
    -h "${YYS_TEST_MARIADB_HOST}" -P "${YYS_TEST_MARIADB_PORT}" -u "${YYS_TEST_MARIADB_USER}" \
    -e 'SELECT 1' >/dev/null 2>&1
}

ensure_mariadb() {
  local host="${YYS_TEST_MARIADB_HOST}" port="${YYS_TEST_MARIADB_PORT}"
  if yys_port_open "${host}" "${port}"; then
    if _yys_mariadb_login_ok; then
      yys_log "MariaDB: using the server already running at ${host}:${port}"
    else
      yys_warn "MariaDB at ${host}:${port} is up but refuses ${YYS_TEST_MARIADB_USER}@TCP with the" \
        "configured password; the database tests will fail (set YYS_TEST_MARIADB_USER/PASSWORD)"
    fi
    return 0
  fi
  _yys_is_local_host "${host}" || yys_die "MariaDB at ${host}:${port} is not reachable (and not local)"

  local mariadbd install_db client admin
  if ! mariadbd="$(yys_find_cmd mariadbd mysqld)"; then
    yys_log "MariaDB: not installed; installing mariadb-server"
    yys_apt_install mariadb-server
    mariadbd="$(yys_find_cmd mariadbd mysqld)" || yys_die "mariadbd not found after installing mariadb-server"
  fi
  install_db="$(yys_find_cmd mariadb-install-db mysql_install_db)" || yys_die "mariadb-install-db not found"
  client="$(yys_find_cmd mariadb mysql)" || yys_die "mariadb client not found"
  admin="$(yys_find_cmd mariadb-admin mysqladmin)" || yys_die "mariadb-admin not found"

  local dir user_args=()
  dir="$(mktemp -d "${TMPDIR:-/tmp}/yys-mariadb.XXXXXX")"
  # mariadbd refuses to run as root unless told to; the data dir is ours, so run as ourselves.
  [[ "${EUID}" -eq 0 ]] && user_args=(--user=root)

  yys_log "MariaDB: initialising a throwaway data directory in ${dir}"
  if ! "${install_db}" --no-defaults --datadir="${dir}/data" "${user_args[@]}" \
    --auth-root-authentication-method=normal --skip-test-db >"${dir}/install.log" 2>&1; then
    _yys_tail_log "${dir}/install.log"
    yys_die "mariadb-install-db failed"
  fi

  yys_log "MariaDB: starting ${mariadbd} on ${host}:${port}"
  setsid "${mariadbd}" --no-defaults "${user_args[@]}" \
    --datadir="${dir}/data" --socket="${dir}/mysqld.sock" --pid-file="${dir}/mariadbd.pid" \
    --port="${port}" --bind-address=127.0.0.1 --log-error="${dir}/error.log" \
    --skip-log-bin --innodb-buffer-pool-size=128M --innodb-flush-log-at-trx-commit=2 \
    --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
    --max-connections=500 </dev/null >/dev/null 2>&1 &
  _YYS_LAST_PID=$!
  _YYS_STARTED+=("mariadb ${_YYS_LAST_PID} ${mariadbd} ${dir}")
  _yys_wait_ready MariaDB "${_YYS_LAST_PID}" "${dir}/error.log" \
    "${admin}" --no-defaults --socket="${dir}/mysqld.sock" -u root ping
  _yys_record_pid mariadb "${mariadbd}" "${dir}" "${dir}/mariadbd.pid"

  # Make the configured user log in over TCP with the configured password (root, no password by
  # default), whatever mariadb-install-db made of root@localhost on this version.
  local user password sql="" h
  user="$(_yys_sql_quote "${YYS_TEST_MARIADB_USER}")"
  password="$(_yys_sql_quote "${YYS_TEST_MARIADB_PASSWORD}")"
  for h in localhost 127.0.0.1 ::1; do
    sql+="CREATE USER IF NOT EXISTS ${user}@'${h}';"
    sql+="ALTER USER ${user}@'${h}' IDENTIFIED VIA mysql_native_password USING PASSWORD(${password});"
    sql+="GRANT ALL PRIVILEGES ON *.* TO ${user}@'${h}' WITH GRANT OPTION;"
  done
  sql+="FLUSH PRIVILEGES;"
  if ! "${client}" --no-defaults --socket="${dir}/mysqld.sock" -u root -e "${sql}" >"${dir}/users.log" 2>&1; then
    _yys_tail_log "${dir}/users.log"
    yys_die "MariaDB: could not set up user ${YYS_TEST_MARIADB_USER}"
  fi
  _yys_mariadb_login_ok || yys_die "MariaDB: ${YYS_TEST_MARIADB_USER} cannot log in over TCP at ${host}:${port}"
  yys_log "MariaDB: ready at ${host}:${port} (pid ${_YYS_LAST_PID}, started by this script)"
}

# ------------------------------------------------------------------------------------- Redis

# Sets _YYS_REDIS_HOST / _YYS_REDIS_PORT / _YYS_REDIS_AUTH from YYS_TEST_REDIS_URL.
_yys_parse_redis_url() {
  local url="${YYS_TEST_REDIS_URL}" rest hostport
  [[ "${url}" =~ ^rediss?:// ]] || yys_die "YYS_TEST_REDIS_URL must start with redis:// (got ${url})"
  rest="${url#*://}"
  rest="${rest%%/*}"
  _YYS_REDIS_AUTH=""
  if [[ "${rest}" == *@* ]]; then
    _YYS_REDIS_AUTH="${rest%@*}"
    hostport="${rest##*@}"
  else
    hostport="${rest}"
  fi
  if [[ "${hostport}" =~ ^\[(.*)\](:([0-9]+))?$ ]]; then
    _YYS_REDIS_HOST="${BASH_REMATCH[1]}"
    _YYS_REDIS_PORT="${BASH_REMATCH[3]:-6379}"
  elif [[ "${hostport}" =~ ^([^:]+)(:([0-9]+))?$ ]]; then
    _YYS_REDIS_HOST="${BASH_REMATCH[1]}"
    _YYS_REDIS_PORT="${BASH_REMATCH[3]:-6379}"
  else
    yys_die "cannot parse host:port from YYS_TEST_REDIS_URL=${url}"
  fi
}

_yys_redis_ping() {
  local cli="$1" host="$2" port="$3"
  [[ "$("${cli}" -h "${host}" -p "${port}" ping 2>/dev/null)" == "PONG" ]]
}

ensure_redis() {
  _yys_parse_redis_url
  local host="${_YYS_REDIS_HOST}" port="${_YYS_REDIS_PORT}"
  if yys_port_open "${host}" "${port}"; then
    yys_log "Redis: using the server already running at ${host}:${port}"
    return 0
  fi
  _yys_is_local_host "${host}" || yys_die "Redis at ${host}:${port} is not reachable (and not local)"
  [[ -z "${_YYS_REDIS_AUTH}" ]] || yys_die "Redis at ${host}:${port} is down; not starting one with credentials"

  local server cli
  if ! server="$(yys_find_cmd redis-server)"; then
    yys_log "Redis: not installed; installing redis-server"
    yys_apt_install redis-server
    server="$(yys_find_cmd redis-server)" || yys_die "redis-server not found after installing it"
  fi
  cli="$(yys_find_cmd redis-cli)" || cli=""

  local dir
  dir="$(mktemp -d "${TMPDIR:-/tmp}/yys-redis.XXXXXX")"
  yys_log "Redis: starting ${server} on ${host}:${port}"
  setsid "${server}" --port "${port}" --bind 127.0.0.1 --protected-mode yes \
    --save "" --appendonly no --dir "${dir}" --logfile "${dir}/redis.log" \
    --pidfile "${dir}/redis.pid" --daemonize no </dev/null >/dev/null 2>&1 &
  _YYS_LAST_PID=$!
  _YYS_STARTED+=("redis ${_YYS_LAST_PID} ${server} ${dir}")
  if [[ -n "${cli}" ]]; then
    _yys_wait_ready Redis "${_YYS_LAST_PID}" "${dir}/redis.log" _yys_redis_ping "${cli}" 127.0.0.1 "${port}"
  else
    _yys_wait_ready Redis "${_YYS_LAST_PID}" "${dir}/redis.log" yys_port_open 127.0.0.1 "${port}"
  fi
  _yys_record_pid redis "${server}" "${dir}" "${dir}/redis.pid"
  yys_log "Redis: ready at ${host}:${port} (pid ${_YYS_LAST_PID}, started by this script)"
}

# ------------------------------------------------------------------------------------- nginx

# The split-topology tests run `yys up --split`, which starts its own nginx as a child with a
# generated config; only the binary is needed. Debian's postinst would start the system service
# on port 80: yys_apt_install's policy-rc.d keeps it from doing so, and nothing here starts it.
ensure_nginx() {
  local nginx
  if nginx="$(yys_find_cmd nginx)"; then
    yys_log "nginx: using ${nginx} (install only; the tests start their own instances)"
    return 0
  fi
  yys_log "nginx: not installed; installing nginx-light"
  # nginx-light is the small flavour; fall back to the plain package where it does not exist.
  # The subshell keeps yys_apt_install's exit-on-failure from ending this shell.
  (yys_apt_install nginx-light) || yys_apt_install nginx
  nginx="$(yys_find_cmd nginx)" || yys_die "nginx not found after installing it"
  yys_log "nginx: installed ${nginx}"
}

# Prometheus 2.x and Alertmanager from Debian's packages: `promtool`/`amtool` validate the configs in
# deploy/observability and the observability tests run throwaway instances of both.
ensure_prometheus() {
  local missing=()
  yys_find_cmd prometheus >/dev/null || missing+=(prometheus)
  yys_find_cmd promtool >/dev/null || missing+=(prometheus)
  yys_find_cmd prometheus-alertmanager alertmanager >/dev/null || missing+=(prometheus-alertmanager)
  yys_find_cmd amtool >/dev/null || missing+=(prometheus-alertmanager)
  if ((${#missing[@]})); then
    yys_log "prometheus: installing $(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')"
    # shellcheck disable=SC2046
    yys_apt_install $(printf '%s\n' "${missing[@]}" | sort -u)
  fi
  yys_find_cmd promtool >/dev/null || yys_die "promtool not found after installing prometheus"
  yys_log "prometheus: $(yys_find_cmd prometheus), alertmanager: $(yys_find_cmd prometheus-alertmanager alertmanager)"
}

# Debian's chromium, driven by playwright (executable path given by the tests), and a small
# Chinese font so the screenshots of the zh pages show text rather than empty boxes.
ensure_chromium() {
  local chromium
  if chromium="$(yys_find_cmd chromium chromium-browser)"; then
    yys_log "chromium: using ${chromium}"
  else
    yys_apt_install chromium
    chromium="$(yys_find_cmd chromium chromium-browser)" || yys_die "chromium not found after installing it"
    yys_log "chromium: installed ${chromium}"
  fi
  if [[ -z "$(fc-list :lang=zh 2>/dev/null)" ]]; then
    yys_apt_install fonts-wqy-microhei
  fi
}

# -------------------------------------------------------------------------------------- stop

_yys_stop_pid() {
  local name="$1" pid="$2" binary="$3" i
  _yys_pid_is "${pid}" "${binary}" || return 0
  yys_log "${name}: stopping pid ${pid}"
  kill -TERM "${pid}" 2>/dev/null || true
  for ((i = 0; i < 300; i++)); do # up to 30 s: MariaDB flushes InnoDB on shutdown
    kill -0 "${pid}" 2>/dev/null || break
    sleep 0.1
  done
  if kill -0 "${pid}" 2>/dev/null; then
    yys_warn "${name}: pid ${pid} ignored SIGTERM; sending SIGKILL"
    kill -KILL "${pid}" 2>/dev/null || true
  fi
  wait "${pid}" 2>/dev/null || true
}

stop_started_services() {
  local i entry name pid binary dir
  for ((i = ${#_YYS_STARTED[@]} - 1; i >= 0; i--)); do
    entry="${_YYS_STARTED[i]}"
    read -r name pid binary dir <<<"${entry}"
    _yys_stop_pid "${name}" "${pid}" "${binary}"
    if [[ -n "${dir}" && -d "${dir}" && "${dir}" == "${TMPDIR:-/tmp}"/yys-* ]]; then
      rm -rf -- "${dir}"
    fi
  done
  _YYS_STARTED=()
}
