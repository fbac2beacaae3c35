#!/usr/bin/env bash
# Upgrade a community node or the hub: back up, install the new code, migrate, restart,
# check readiness; when any step after the backup fails, roll back code and schema (the
# previous virtualenv comes back and the backup is restored), restart, and exit 1.
#
#   deploy/upgrade.sh node|hub --source SPEC [options]
#
#   --source SPEC        what pip installs as the new code: a wheel, a source directory,
#                        or a requirement such as connector-network==0.2.0 (required)
#   --prefix DIR         the installation (default /srv/connector-<service>)
#   --venv DIR           its virtualenv (default <prefix>/.venv)
#   --env-file FILE      the service's environment (default /etc/connector-<service>/env;
#                        read when it exists: DATABASE_URL, <NODE|HUB>_BACKUP_DIR, ...)
#   --backup-dir DIR     where the pre-upgrade backup goes (default: the BACKUP_DIR setting)
#   --health-url URL     the service's base URL (default http://127.0.0.1:8000 for the hub,
#                        :8001 for a node); <URL>/readyz must answer 200
#   --health-timeout S   seconds to wait for readiness after the restart (default 60)
#   --unit NAME          the systemd unit to restart (default connector-<service>.service)
#   --restart-command C  run C (through sh -c) instead of systemctl restart
#   --no-restart         restart nothing (the health check still runs)
#   --pip-args "ARGS"    more arguments for pip install (e.g. "--no-index --find-links d")
#
# See docs/operations.md, "Upgrade". Run it as the service's user (or root), from anywhere.
set -euo pipefail

usage() { sed -n '2,23p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

[ $# -ge 1 ] || usage
SERVICE=$1; shift
case "$SERVICE" in
  node) DEFAULT_PORT=8001 ;;
  hub) DEFAULT_PORT=8000 ;;
  -h|--help) usage ;;
  *) echo "upgrade.sh: the service is node or hub, not '$SERVICE'" >&2; exit 2 ;;
esac

PREFIX=/srv/connector-$SERVICE
VENV=
ENV_FILE=/etc/connector-$SERVICE/env
SOURCE=
BACKUP_DIR=
HEALTH_URL=http://127.0.0.1:$DEFAULT_PORT
HEALTH_TIMEOUT=60
UNIT=connector-$SERVICE.service
RESTART_COMMAND=
RESTART=yes
PIP_ARGS=

while [ $# -gt 0 ]; do
  case "$1" in
    --source) SOURCE=$2; shift 2 ;;
    --prefix) PREFIX=$2; shift 2 ;;
    --venv) VENV=$2; shift 2 ;;
    --env-file) ENV_FILE=$2; shift 2 ;;
    --backup-dir) BACKUP_DIR=$2; shift 2 ;;
    --health-url) HEALTH_URL=${2%/}; shift 2 ;;
    --health-timeout) HEALTH_TIMEOUT=$2; shift 2 ;;
    --unit) UNIT=$2; shift 2 ;;
    --restart-command) RESTART_COMMAND=$2; shift 2 ;;
    --no-restart) RESTART=no; shift ;;
    --pip-args) PIP_ARGS=$2; shift 2 ;;
    -h|--help) usage ;;
    *) echo "upgrade.sh: unknown option $1" >&2; exit 2 ;;
  esac
done
[ -n "$SOURCE" ] || { echo "upgrade.sh: --source is required" >&2; exit 2; }
VENV=${VENV:-$PREFIX/.venv}
PREVIOUS=$VENV.previous
CLI=$VENV/bin/connector-$SERVICE
[ -x "$CLI" ] || { echo "upgrade.sh: no $CLI: is the service installed there?" >&2; exit 2; }

if [ -f "$ENV_FILE" ]; then
  set -a
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  set +a
fi

say() { echo "upgrade.sh [$SERVICE] $*"; }

restart() {
  if [ "$RESTART" = no ]; then
    return 0
  elif [ -n "$RESTART_COMMAND" ]; then
    sh -c "$RESTART_COMMAND"
  else
    systemctl restart "$UNIT"
  fi
}

ready() {
  # Poll <url>/readyz until it answers 200 (database reachable, schema at the code's head).
  "$VENV/bin/python" - "$HEALTH_URL/readyz" "$HEALTH_TIMEOUT" <<'PY'
import sys, time, urllib.request
url, deadline = sys.argv[1], time.monotonic() + float(sys.argv[2])
while True:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            if answer.status == 200:
                sys.exit(0)
    except Exception as exc:  # refused, 503, timeout: not ready yet
        last = exc
    if time.monotonic() > deadline:
        print(f"not ready: {last}", file=sys.stderr)
        sys.exit(1)
    time.sleep(1)
PY
}

BACKUP=
rollback() {
  say "FAILED: $1; rolling back"
  trap - ERR
  set +e
  if [ -d "$PREVIOUS" ]; then
    rm -rf "$VENV" && mv "$PREVIOUS" "$VENV" && say "previous code restored"
  fi
  if [ -n "$BACKUP" ]; then
    "$CLI" restore --yes "$BACKUP" && say "database restored from $BACKUP"
  fi
  restart && ready && say "the previous version is serving again"
  exit 1
}

say "1/5 backup"
if [ -n "$BACKUP_DIR" ]; then
  BACKUP=$("$CLI" backup --dir "$BACKUP_DIR" | tail -n 1)
else
  BACKUP=$("$CLI" backup | tail -n 1)
fi
say "backup: $BACKUP"

say "2/5 install $SOURCE (the current code is kept in $PREVIOUS)"
rm -rf "$PREVIOUS"
cp -a "$VENV" "$PREVIOUS"
# shellcheck disable=SC2086  # PIP_ARGS is a list of arguments
"$VENV/bin/python" -m pip install --quiet --upgrade $PIP_ARGS "$SOURCE" \
  || rollback "pip install"

say "3/5 migrate"
"$CLI" init || rollback "migration"

say "4/5 restart"
restart || rollback "restart"

say "5/5 readiness ($HEALTH_URL/readyz)"
ready || rollback "readiness check"
say "done; the previous code stays in $PREVIOUS until the next upgrade"
