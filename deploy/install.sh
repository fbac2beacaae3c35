#!/usr/bin/env bash
# Install a Connector Network community node or the national hub on a Debian or Ubuntu
# server: system user, virtualenv, PostgreSQL role and database, environment file with
# generated secrets, migrations, first admin, systemd units and timers, nginx site.
#
#   sudo deploy/install.sh node --slug halifax --name "Halifax" \
#       --server-name connect.halifax.example.org --admin-email ana@halifax.example.org
#   sudo deploy/install.sh hub --server-name hub.example.org --admin-email ops@example.org
#
# Running it again changes nothing: every step checks first and says "ok" when its work
# is already done (files are compared byte for byte, the database and role are created
# only when missing, the environment file and its secrets are never rewritten).
# docs/operations.md walks through it, then TLS, scaling and the rest.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
SOURCE="$(dirname "$HERE")"

usage() {
    cat <<'EOF'
Usage: install.sh node|hub [options]

  --slug SLUG            node: the community's short name, as registered at the hub
  --name NAME            node: the community's display name
  --server-name HOST     the public host name (nginx server_name, TLS certificate, the
                         hub's token issuer); default: hostname -f
  --admin-email EMAIL    create this first admin (password generated, printed once)
  --admin-name NAME      the admin's name (default: Administrator)
  --bind ADDR            gunicorn's address (default 127.0.0.1:8001 node, 127.0.0.1:8000 hub)
  --redis URL            rate-limit storage (default redis://127.0.0.1:6379/0)
  --db-name NAME         PostgreSQL database (default connector_node / connector_hub)
  --db-role NAME         PostgreSQL role owning it (default: the database's name)
  --db-host HOST:PORT    where the service reaches PostgreSQL (default 127.0.0.1:5432)
  --pg-admin URL         a superuser connection to create the role and database
                         (default: the local `postgres` account, through its socket)
  --user NAME            the service's system user (default connector-node / connector-hub);
                         created when missing
  --venv DIR             use this existing virtualenv, which already has connector-network
                         (default: create DIR=/srv/connector-SERVICE/.venv and install
                         this source tree into it)
  --prefix DIR           install under DIR (DIR/etc, DIR/srv, DIR/var/lib): for tests
  --no-start             install the units but neither enable nor start them (no systemd)
  --http-port N, --https-port N     nginx's ports (default 80, 443)
  --tls-cert FILE, --tls-key FILE   (default certbot's /etc/letsencrypt/live/HOST/…)
EOF
}

die() { echo "install.sh: $*" >&2; exit 2; }

[ $# -ge 1 ] || { usage >&2; exit 2; }
SERVICE="$1"
shift
case "$SERVICE" in
    node) PACKAGE=community_node; DEFAULT_BIND=127.0.0.1:8001 ;;
    hub) PACKAGE=hub; DEFAULT_BIND=127.0.0.1:8000 ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; exit 2 ;;
esac
NAME="connector-$SERVICE"

PREFIX="" SLUG="" COMMUNITY_NAME="" SERVER_NAME="" ADMIN_EMAIL="" ADMIN_NAME="Administrator"
BIND="$DEFAULT_BIND" REDIS_URL="redis://127.0.0.1:6379/0" DB_NAME="${NAME//-/_}" DB_ROLE=""
DB_HOST="127.0.0.1:5432" PG_ADMIN="" SERVICE_USER="$NAME" VENV="" START=1
HTTP_PORT=80 HTTPS_PORT=443 TLS_CERT="" TLS_KEY=""
while [ $# -gt 0 ]; do
    option="$1"
    case "$option" in
        --no-start) START=0; shift; continue ;;
        -h|--help) usage; exit 0 ;;
    esac
    [ $# -ge 2 ] || die "$option needs a value"
    value="$2"
    shift 2
    case "$option" in
        --slug) SLUG="$value" ;;
        --name) COMMUNITY_NAME="$value" ;;
        --server-name) SERVER_NAME="$value" ;;
        --admin-email) ADMIN_EMAIL="$value" ;;
        --admin-name) ADMIN_NAME="$value" ;;
        --bind) BIND="$value" ;;
        --redis) REDIS_URL="$value" ;;
        --db-name) DB_NAME="$value" ;;
        --db-role) DB_ROLE="$value" ;;
        --db-host) DB_HOST="$value" ;;
        --pg-admin) PG_ADMIN="$value" ;;
        --user) SERVICE_USER="$value" ;;
        --venv) VENV="$value" ;;
        --prefix) PREFIX="$(realpath -m "$value")" ;;
        --http-port) HTTP_PORT="$value" ;;
        --https-port) HTTPS_PORT="$value" ;;
        --tls-cert) TLS_CERT="$value" ;;
        --tls-key) TLS_KEY="$value" ;;
        *) die "unknown option $option (see --help)" ;;
    esac
done

DB_ROLE="${DB_ROLE:-$DB_NAME}"
SERVER_NAME="${SERVER_NAME:-$(hostname -f)}"
TLS_CERT="${TLS_CERT:-/etc/letsencrypt/live/$SERVER_NAME/fullchain.pem}"
TLS_KEY="${TLS_KEY:-/etc/letsencrypt/live/$SERVER_NAME/privkey.pem}"
[[ "$DB_NAME" =~ ^[a-z_][a-z0-9_]*$ ]] || die "--db-name: lowercase letters, digits and _ only"
[[ "$DB_ROLE" =~ ^[a-z_][a-z0-9_]*$ ]] || die "--db-role: lowercase letters, digits and _ only"
[[ "$SERVER_NAME" =~ ^[A-Za-z0-9.-]+$ ]] || die "--server-name: a host name"
[[ "$HTTP_PORT$HTTPS_PORT" =~ ^[0-9]+$ ]] || die "--http-port, --https-port: numbers"
# The environment file is read by systemd and by the shell: keep values that both read alike.
for value in "$COMMUNITY_NAME" "$ADMIN_NAME" "$BIND" "$REDIS_URL" "$DB_HOST"; do
    [[ "$value" != *[\"\$\`\\]* ]] || die "values may not contain \" \$ \` or \\: $value"
done

CONF_DIR="$PREFIX/etc/$NAME"
ENV_FILE="$CONF_DIR/env"
APP_DIR="$PREFIX/srv/$NAME"
STATE_DIR="$PREFIX/var/lib/$NAME"
UNIT_DIR="$PREFIX/etc/systemd/system"
NGINX_DIR="$PREFIX/etc/nginx"
ACME_ROOT="$PREFIX/var/www/letsencrypt"
VENV="${VENV:-$APP_DIR/.venv}"

# A value made safe for the right-hand side of sed's s|…|…|.
esc() { printf '%s' "$1" | sed -e 's/[\\|&]/\\&/g'; }

CHANGES=0
say() { printf '%-8s %s\n' "$1" "$2"; }
changed() { CHANGES=$((CHANGES + 1)); say changed "$1"; }

# --- system user -------------------------------------------------------------------
if id -u "$SERVICE_USER" >/dev/null 2>&1; then
    say ok "user $SERVICE_USER"
else
    useradd --system --user-group --home-dir "$STATE_DIR" --no-create-home \
        --shell /usr/sbin/nologin --comment "Connector Network $SERVICE" "$SERVICE_USER"
    changed "user $SERVICE_USER created"
fi
SERVICE_GROUP="$(id -gn "$SERVICE_USER")"

# --- directories: code read-only to the service, state writable, config private -----
ensure_dir() {  # path mode owner:group
    local path="$1" mode="$2" owner="$3"
    if [ -d "$path" ] && [ "$(stat -c '%a %U:%G' "$path")" = "${mode#0} $owner" ]; then
        return
    fi
    install -d -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$path"
    changed "directory $path"
}
ensure_dir "$CONF_DIR" 0750 "root:$SERVICE_GROUP"
ensure_dir "$APP_DIR" 0755 root:root
ensure_dir "$STATE_DIR" 0750 "$SERVICE_USER:$SERVICE_GROUP"
ensure_dir "$STATE_DIR/staff-jobs" 0700 "$SERVICE_USER:$SERVICE_GROUP"
ensure_dir "$STATE_DIR/cache" 0750 "$SERVICE_USER:$SERVICE_GROUP"
ensure_dir "$UNIT_DIR" 0755 root:root
for sub in "" /sites-available /snippets /conf.d; do
    ensure_dir "$NGINX_DIR$sub" 0755 root:root
done
ensure_dir "$ACME_ROOT" 0755 root:root

# put SOURCE DEST MODE [OWNER:GROUP]: install a file unless it is already there as is.
put() {
    local source="$1" dest="$2" mode="$3" owner="${4:-root:root}"
    if [ -f "$dest" ] && cmp -s "$source" "$dest" \
        && [ "$(stat -c '%a %U:%G' "$dest")" = "${mode#0} $owner" ]; then
        say ok "$dest"
        return
    fi
    install -m "$mode" -o "${owner%%:*}" -g "${owner##*:}" "$source" "$dest"
    changed "$dest"
}
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

# --- virtualenv ---------------------------------------------------------------------
if [ "$VENV" = "$APP_DIR/.venv" ]; then
    if [ ! -x "$VENV/bin/python" ]; then
        python3 -m venv "$VENV"
        changed "virtualenv $VENV"
    fi
    stamp="$("$VENV/bin/python" - "$SOURCE" <<'EOF'
import hashlib, subprocess, sys, tomllib
source = sys.argv[1]
version = tomllib.load(open(f"{source}/pyproject.toml", "rb"))["project"]["version"]
tree = subprocess.run(["git", "-C", source, "rev-parse", "HEAD"], capture_output=True, text=True)
dirty = subprocess.run(["git", "-C", source, "diff", "HEAD"], capture_output=True)
print(version, tree.stdout.strip(), hashlib.sha256(dirty.stdout).hexdigest()[:12])
EOF
)"
    if [ "$(cat "$VENV/.connector-source" 2>/dev/null)" = "$stamp" ]; then
        say ok "connector-network in $VENV ($stamp)"
    else
        "$VENV/bin/python" -m pip install --quiet --upgrade pip
        "$VENV/bin/python" -m pip install --quiet "$SOURCE"
        echo "$stamp" > "$VENV/.connector-source"
        changed "connector-network installed into $VENV ($stamp)"
    fi
fi
[ -x "$VENV/bin/$NAME" ] || die "$VENV has no $NAME: install connector-network into it"
PYTHON="$VENV/bin/python"
PACKAGES="$("$PYTHON" -c "import os, shared, $PACKAGE; print(os.path.dirname(shared.__file__)); print(os.path.dirname($PACKAGE.__file__))")"
SHARED_DIR="$(sed -n 1p <<<"$PACKAGES")"
PACKAGE_DIR="$(sed -n 2p <<<"$PACKAGES")"

put "$HERE/gunicorn.conf.py" "$APP_DIR/gunicorn.conf.py" 0644

# --- PostgreSQL role and database ---------------------------------------------------
psql_admin() {
    if [ -n "$PG_ADMIN" ]; then
        psql "$PG_ADMIN" -X -q -t -A -v ON_ERROR_STOP=1 "$@"
    else
        runuser -u postgres -- psql -X -q -t -A -v ON_ERROR_STOP=1 "$@"
    fi
}
env_value() {  # the value of a variable in the existing environment file
    sed -n "s/^$1=//p" "$ENV_FILE" | tail -n 1 | sed 's/^"\(.*\)"$/\1/'
}
if [ -f "$ENV_FILE" ]; then
    DATABASE_URL="$(env_value DATABASE_URL)"
    DB_PASSWORD=""  # kept as it is: the file and the role already agree
else
    DB_PASSWORD="$("$PYTHON" -c 'import secrets; print(secrets.token_hex(24))')"
    DATABASE_URL="postgresql://$DB_ROLE:$DB_PASSWORD@$DB_HOST/$DB_NAME"
fi
role_exists="$(psql_admin -v role="$DB_ROLE" <<'EOF'
SELECT count(*) FROM pg_roles WHERE rolname = :'role';
EOF
)"
if [ "$role_exists" = 1 ] && [ -z "$DB_PASSWORD" ]; then
    say ok "PostgreSQL role $DB_ROLE"
elif [ "$role_exists" = 1 ]; then
    # A role left by an earlier, unfinished run: give it the password of the new file.
    psql_admin -v role="$DB_ROLE" -v password="$DB_PASSWORD" <<'EOF'
SELECT format('ALTER ROLE %I LOGIN PASSWORD %L', :'role', :'password') \gexec
EOF
    changed "PostgreSQL role $DB_ROLE: new password"
else
    [ -n "$DB_PASSWORD" ] || die "role $DB_ROLE is missing but $ENV_FILE exists: create the role with the password in DATABASE_URL, or move the file away"
    psql_admin -v role="$DB_ROLE" -v password="$DB_PASSWORD" <<'EOF'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'role', :'password') \gexec
EOF
    changed "PostgreSQL role $DB_ROLE created"
fi
db_exists="$(psql_admin -v db="$DB_NAME" <<'EOF'
SELECT count(*) FROM pg_database WHERE datname = :'db';
EOF
)"
if [ "$db_exists" = 1 ]; then
    say ok "PostgreSQL database $DB_NAME"
else
    psql_admin -v db="$DB_NAME" -v role="$DB_ROLE" <<'EOF'
SELECT format('CREATE DATABASE %I OWNER %I ENCODING ''UTF8'' TEMPLATE template0', :'db', :'role') \gexec
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', :'db') \gexec
EOF
    changed "PostgreSQL database $DB_NAME created"
fi

# --- environment file with generated secrets (never rewritten) ----------------------
if [ -f "$ENV_FILE" ]; then
    say ok "$ENV_FILE (kept as it is)"
else
    if [ "$SERVICE" = node ]; then
        [ -n "$SLUG" ] && [ -n "$COMMUNITY_NAME" ] || die "node: --slug and --name are needed"
        [[ "$SLUG" =~ ^[a-z0-9][a-z0-9-]*$ ]] || die "--slug: lowercase letters, digits and -"
    fi
    SECRET_KEY="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(48))')"
    KEY_ENCRYPTION_KEY="$("$PYTHON" -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')"
    public_url="https://$SERVER_NAME"
    [ "$HTTPS_PORT" = 443 ] || public_url="$public_url:$HTTPS_PORT"
    sed -e "s|@SECRET_KEY@|$(esc "$SECRET_KEY")|" \
        -e "s|@KEY_ENCRYPTION_KEY@|$(esc "$KEY_ENCRYPTION_KEY")|" \
        -e "s|@DATABASE_URL@|$(esc "$DATABASE_URL")|" \
        -e "s|@REDIS_URL@|$(esc "$REDIS_URL")|" \
        -e "s|@COMMUNITY_SLUG@|$(esc "$SLUG")|" \
        -e "s|@COMMUNITY_NAME@|$(esc "$COMMUNITY_NAME")|" \
        -e "s|@STATE_DIR@|$(esc "$STATE_DIR")|" \
        -e "s|@BIND@|$(esc "$BIND")|" \
        -e "s|@PUBLIC_URL@|$(esc "$public_url")|" \
        -e "s|@MAIL_SENDER@|$(esc "noreply@$SERVER_NAME")|" \
        "$HERE/env/$SERVICE.env" > "$WORK/env"
    if grep -n '@[A-Z_]*@' "$WORK/env"; then die "unfilled placeholder in the environment file"; fi
    put "$WORK/env" "$ENV_FILE" 0640 "root:$SERVICE_GROUP"
fi

# run_as COMMAND...: run as the service user, in its state directory, with its environment.
run_as() {
    if [ "$SERVICE_USER" = "$(id -un)" ]; then
        (cd "$STATE_DIR" && set -a && . "$ENV_FILE" && set +a && exec "$@")
    else
        runuser -u "$SERVICE_USER" -- sh -c \
            'cd "$1" && set -a && . "$2" && set +a && shift 2 && exec "$@"' \
            sh "$STATE_DIR" "$ENV_FILE" "$@"
    fi
}

# --- schema -------------------------------------------------------------------------
run_as "$VENV/bin/$NAME" init >"$WORK/init.log" 2>&1 || { cat "$WORK/init.log" >&2; die "$NAME init failed"; }
# Alembic names each migration it runs; none named: the schema was already the newest.
if grep -q "Running upgrade" "$WORK/init.log"; then
    changed "database schema migrated ($(grep -c "Running upgrade" "$WORK/init.log") migrations)"
else
    say ok "database schema (newest)"
fi

# --- first admin --------------------------------------------------------------------
if [ -n "$ADMIN_EMAIL" ]; then
    password="$("$PYTHON" -c 'import secrets; print(secrets.token_urlsafe(18))')"
    if output="$(run_as "$VENV/bin/$NAME" users create --email "$ADMIN_EMAIL" \
        --name "$ADMIN_NAME" --role admin --password "$password" 2>&1)"; then
        changed "admin $ADMIN_EMAIL created; password (shown once): $password"
    elif grep -q "already exists" <<<"$output"; then
        say ok "admin $ADMIN_EMAIL"
    else
        die "creating the admin failed: $output"
    fi
fi

# --- systemd units ------------------------------------------------------------------
UNITS=()
for unit in "$HERE"/systemd/"$NAME".service "$HERE"/systemd/"$NAME"-*.service \
    "$HERE"/systemd/"$NAME"-*.timer; do
    base="$(basename "$unit")"
    sed -e "s|/srv/$NAME/.venv|$(esc "$VENV")|g" \
        -e "s|/srv/$NAME|$(esc "$APP_DIR")|g" \
        -e "s|/etc/$NAME|$(esc "$CONF_DIR")|g" \
        -e "s|/var/lib/$NAME|$(esc "$STATE_DIR")|g" \
        -e "s|^User=.*|User=$(esc "$SERVICE_USER")|" \
        -e "s|^Group=.*|Group=$(esc "$SERVICE_GROUP")|" \
        "$unit" > "$WORK/$base"
    put "$WORK/$base" "$UNIT_DIR/$base" 0644
    UNITS+=("$base")
done

# --- nginx site (enabled by hand once the certificate exists: docs/operations.md, TLS) -
upstream="    server $BIND max_fails=3 fail_timeout=10s;"
https_suffix=""
[ "$HTTPS_PORT" = 443 ] || https_suffix=":$HTTPS_PORT"
sed -e "s|@UPSTREAM_SERVERS@|$(esc "$upstream")|" \
    -e "s|@SERVER_NAME@|$(esc "$SERVER_NAME")|g" \
    -e "s|@HTTP_PORT@|$(esc "$HTTP_PORT")|g" \
    -e "s|@HTTPS_PORT@|$(esc "$HTTPS_PORT")|g" \
    -e "s|@HTTPS_PORT_SUFFIX@|$(esc "$https_suffix")|g" \
    -e "s|@TLS_CERT@|$(esc "$TLS_CERT")|g" \
    -e "s|@TLS_KEY@|$(esc "$TLS_KEY")|g" \
    -e "s|@ACME_ROOT@|$(esc "$ACME_ROOT")|g" \
    -e "s|@SHARED_DIR@|$(esc "$SHARED_DIR")|g" \
    -e "s|@PACKAGE_DIR@|$(esc "$PACKAGE_DIR")|g" \
    -e "s|@ASSETS_SNIPPET@|$NGINX_DIR/snippets/connector-assets.conf|g" \
    -e "s|@PROXY_SNIPPET@|$NGINX_DIR/snippets/connector-proxy.conf|g" \
    "$HERE/nginx/$NAME.conf" > "$WORK/site.conf"
if grep -n '@[A-Z_]*@' "$WORK/site.conf"; then die "unfilled placeholder in the nginx site"; fi
put "$WORK/site.conf" "$NGINX_DIR/sites-available/$NAME.conf" 0644
put "$HERE/nginx/connector-assets.conf" "$NGINX_DIR/snippets/connector-assets.conf" 0644
put "$HERE/nginx/connector-proxy.conf" "$NGINX_DIR/snippets/connector-proxy.conf" 0644
put "$HERE/nginx/connector-cache.conf" "$NGINX_DIR/conf.d/connector-cache.conf" 0644

# --- start --------------------------------------------------------------------------
if [ "$SERVICE" = node ]; then
    ENABLE=("$NAME.service" "$NAME-tick.timer" "$NAME-mail.timer")
    LATER="after \`$NAME hub connect\`: systemctl enable --now $NAME-sync.timer $NAME-sync-full.timer"
else
    ENABLE=("$NAME.service" "$NAME-tick.timer")
    LATER="on further hub machines, run this with the same env file and leave $NAME-tick.timer disabled"
fi
if [ "$START" = 1 ]; then
    systemctl daemon-reload
    systemctl enable --now "${ENABLE[@]}"
    if [ "$CHANGES" -gt 0 ]; then systemctl try-restart "$NAME.service"; fi
    say ok "started: ${ENABLE[*]}"
else
    say skipped "systemctl enable --now ${ENABLE[*]} (--no-start)"
fi

echo
if [ "$CHANGES" -eq 0 ]; then
    echo "Nothing changed: $NAME was already installed as asked."
else
    echo "$CHANGES change(s) made."
fi
echo "Next: TLS (certbot certonly --webroot -w $ACME_ROOT -d $SERVER_NAME), then enable the"
echo "nginx site: ln -s ../sites-available/$NAME.conf $NGINX_DIR/sites-enabled/ && nginx -t && systemctl reload nginx"
echo "Then $LATER."
