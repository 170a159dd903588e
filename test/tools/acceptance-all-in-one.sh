#!/usr/bin/env bash
# Runs ../shared/acceptance/dimse-acceptance against `make run` (all-in-one, embedded defaults) started
# on free ports in a temp dir, then stops it. ACCEPTANCE_ONLY selects the checks this stage answers.
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
suite=${DIMSE_ACCEPTANCE:-$root/../shared/acceptance/dimse-acceptance}
only=${ACCEPTANCE_ONLY:-echo}
[[ -x $suite ]] || { echo "acceptance: $suite not found (shared/ must sit beside the repo)"; exit 1; }

work=$(mktemp -d -t dicomesh-acceptance-XXXXXX)
port=$(bash test/tools/free-port.sh)
dest_port=$(bash test/tools/free-port.sh)
cat > "$work/ae.yaml" <<YAML
- aeTitle: ACCEPTDEST
  host: 127.0.0.1
  port: $dest_port
YAML

DICOMESH_DICOM_PORT=$port DICOMESH_GRPC_PORT=0 DICOMESH_METRICS_PORT=0 DICOMESH_DATA_DIR=$work/data DICOMESH_AE_FILE=$work/ae.yaml \
  setsid make -s run >"$work/dicomesh.log" 2>&1 &
pid=$!  # setsid makes it a process group leader: the whole group (make and node) is stopped together
stop() {
  kill -TERM -- "-$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}
trap stop EXIT

# Poll until the archive answers a C-ECHO, with a deadline.
deadline=$((SECONDS + 60))
until TCP_NODELAY=1 echoscu -aet ACCEPTSCU -aec DICOMESH 127.0.0.1 "$port" >/dev/null 2>&1; do
  if ! kill -0 "$pid" 2>/dev/null || ((SECONDS > deadline)); then
    echo "acceptance: dicomesh did not start; its log:"; cat "$work/dicomesh.log"; exit 1
  fi
  sleep 0.2
done

echo "acceptance: dimse-acceptance --only '$only' against make run on port $port"
status=0
/usr/bin/python3 "$suite" --port "$port" --aet DICOMESH --dest-aet ACCEPTDEST --dest-port "$dest_port" \
  --only "$only" --workdir "$work/suite" || status=$?
if ((status != 0)); then echo "acceptance: failed; dicomesh log tail:"; tail -n 50 "$work/dicomesh.log"; fi
rm -rf "$work"
exit $status
