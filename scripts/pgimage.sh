#!/usr/bin/env bash
# Builds a PostgreSQL container image locally, with no registry, from this
# machine's own PostgreSQL (the package scripts/deps.sh installs): the
# server binary, the shared libraries it links (as ldd lists them), its
# share and lib directories, UTC time zone data, and a cluster initialised
# here with initdb (trust authentication: for tests only). FROM scratch: no
# shell, the server runs as the same unprivileged uid that owns the data.
#   scripts/pgimage.sh [TAG]          (default canaryjudge-pg:<major>)
# Does nothing when the image exists already.
set -euo pipefail
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)
major=$(basename "$(dirname "$bin")")
tag="${1:-canaryjudge-pg:$major}"
if docker image inspect "$tag" >/dev/null 2>&1; then
  echo "$tag"
  exit 0
fi
ctx=$(mktemp -d -t canaryjudge-pgimage.XXXXXX)
trap 'rm -rf "$ctx"' EXIT
chmod 755 "$ctx"

lib="/usr/lib/postgresql/$major/lib"
mkdir -p "$ctx$bin" "$ctx$lib" "$ctx/usr/share/postgresql" "$ctx/usr/share/zoneinfo/Etc" "$ctx/etc" "$ctx/data"
cp "$bin/postgres" "$ctx$bin/"
cp "$lib"/plpgsql.so "$ctx$lib/"
cp -r "/usr/share/postgresql/$major" "$ctx/usr/share/postgresql/"
cp /usr/share/zoneinfo/UTC "$ctx/usr/share/zoneinfo/"
cp /usr/share/zoneinfo/Etc/UTC "$ctx/usr/share/zoneinfo/Etc/"
for so in $(ldd "$bin/postgres" "$lib/plpgsql.so" | awk '$2 == "=>" && $3 ~ /^\// {print $3} $1 ~ /^\// && $1 !~ /:$/ {print $1}' | sort -u); do
  mkdir -p "$ctx$(dirname "$so")"
  cp -L "$so" "$ctx$so"
done

# initdb refuses to run as root: use the postgres user when we are root.
if [ "$(id -u)" -eq 0 ]; then
  user=postgres
  uid=$(id -u "$user") gid=$(id -g "$user")
  chown "$uid:$gid" "$ctx/data"
  run=(runuser -u "$user" --)
else
  uid=$(id -u) gid=$(id -g)
  run=()
fi
"${run[@]}" "$bin/initdb" -D "$ctx/data/pg" -U postgres -E UTF8 --locale=C --auth=trust --no-sync --no-instructions >/dev/null
echo "postgres:x:$uid:$gid::/data:/nonexistent" >"$ctx/etc/passwd"
echo "postgres:x:$gid:" >"$ctx/etc/group"
printf 'local all all trust\nhost all all 0.0.0.0/0 trust\nhost all all ::/0 trust\n' >"$ctx/etc/pg_hba.conf"

cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY --chown=$uid:$gid . /
USER $uid:$gid
EXPOSE 5432
ENTRYPOINT ["$bin/postgres", "-D", "/data/pg", "-c", "listen_addresses=*", "-c", "hba_file=/etc/pg_hba.conf", \
  "-c", "unix_socket_directories=", "-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "max_connections=200"]
DOCKERFILE
rm -f "$ctx/.dockerignore"
docker build -q -t "$tag" "$ctx" >/dev/null 2>&1 || docker build -t "$tag" "$ctx"
echo "$tag"
