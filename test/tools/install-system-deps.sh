#!/usr/bin/env bash
# Installs the Debian packages the tests and benchmarks need, only those missing.
# Runs as root (CI and the developer machines) or through sudo when it is there.
set -euo pipefail

packages=(dcmtk python3-pydicom orthanc nats-server postgresql python3-venv haproxy pgbouncer)
declare -A probe=([dcmtk]=storescp [python3-pydicom]=/usr/lib/python3/dist-packages/pydicom
  [orthanc]=Orthanc [nats-server]=nats-server [postgresql]=/usr/lib/postgresql [python3-venv]=/usr/share/doc/python3-venv
  [haproxy]=haproxy [pgbouncer]=/usr/sbin/pgbouncer)

missing=()
for p in "${packages[@]}"; do
  what=${probe[$p]}
  if [[ $what == /* ]]; then [[ -e $what ]] || missing+=("$p"); else command -v "$what" >/dev/null || missing+=("$p"); fi
done
[[ ${#missing[@]} -eq 0 ]] && exit 0

as_root=()
[[ $(id -u) -eq 0 ]] || as_root=(sudo)
echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
"${as_root[@]}" apt-get update -qq
"${as_root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# Debian's packages start their servers; tests start their own on free ports in temp dirs.
for svc in orthanc nats-server postgresql haproxy pgbouncer; do
  "${as_root[@]}" systemctl disable --now "$svc" >/dev/null 2>&1 || "${as_root[@]}" service "$svc" stop >/dev/null 2>&1 || true
done
