# Sourced by .ci/run and .ci/bench: make sure PostgreSQL answers on
# 127.0.0.1:5432 as postgres without a password, starting it if it is down.
ensure_postgres() {
  if ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
      apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql
    fi
    cluster_version=$(ls /etc/postgresql | sort -V | tail -n 1)
    pg_ctlcluster --skip-systemctl-redirect "$cluster_version" main start || true
    for _ in $(seq 1 60); do
      pg_isready -h 127.0.0.1 -p 5432 -q && break
      sleep 1
    done
  fi
  pg_isready -h 127.0.0.1 -p 5432
  # The tests connect as postgres over TCP without a password (trust), as on
  # this kind of machine; say so clearly if that is not the case.
  psql -h 127.0.0.1 -U postgres -d postgres -Atc 'SELECT 1' >/dev/null \
    || { echo "cannot connect as postgres@127.0.0.1:5432 without a password"; exit 1; }
}
