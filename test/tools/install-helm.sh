#!/usr/bin/env bash
# Installs helm and the helm-unittest plugin from the Go module proxy (the only download) into a cache dir,
# and skips what is already there. Prints the environment to use them, for eval:
#   eval "$(bash test/tools/install-helm.sh)"    # sets PATH (helm) and HELM_PLUGINS (unittest)
# The first build takes several minutes on two cores; later runs print at once.
set -euo pipefail

HELM_VERSION=${HELM_VERSION:-v3.22.0}
HELM_UNITTEST_VERSION=${HELM_UNITTEST_VERSION:-v1.1.2}
cache=${DICOMESH_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/dicomesh-tools}
bin=$cache/helm-$HELM_VERSION/bin
plugins=$cache/helm-plugins-unittest-$HELM_UNITTEST_VERSION
plugin=$plugins/unittest

[[ -x /usr/local/go/bin/go ]] && export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null || { echo "install-helm: the go command (1.24 or newer) is needed" >&2; exit 1; }

if [[ ! -x $bin/helm ]]; then
  echo "install-helm: go install helm $HELM_VERSION (a few minutes)" >&2
  mkdir -p "$bin"
  GOBIN=$bin CGO_ENABLED=0 go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION" >&2
fi

if [[ ! -x $plugin/helm-unittest ]]; then
  # helm-unittest's go.mod has a replace directive, which `go install module@version` refuses: download the
  # module from the proxy and build its command inside it, as its own main module (its go.sum pins everything).
  echo "install-helm: building helm-unittest $HELM_UNITTEST_VERSION (a few minutes)" >&2
  module=github.com/helm-unittest/helm-unittest
  dir=$(go mod download -json "$module@$HELM_UNITTEST_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n $dir && -f $dir/go.mod ]] || { echo "install-helm: could not download $module@$HELM_UNITTEST_VERSION" >&2; exit 1; }
  mkdir -p "$plugin"
  (cd "$dir" && CGO_ENABLED=0 GOFLAGS=-mod=readonly go build -trimpath -o "$plugin/helm-unittest.tmp" ./cmd/helm-unittest) >&2
  mv "$plugin/helm-unittest.tmp" "$plugin/helm-unittest"
fi

# A helm plugin is a folder with a plugin.yaml; helm runs its command with the plugin's arguments.
if [[ ! -f $plugin/plugin.yaml ]]; then
  cat >"$plugin/plugin.yaml" <<YAML
name: unittest
version: "${HELM_UNITTEST_VERSION#v}"
usage: "unittest for helm charts"
description: "helm-unittest, built from the Go module proxy by test/tools/install-helm.sh"
ignoreFlags: false
command: "\$HELM_PLUGIN_DIR/helm-unittest"
YAML
fi

printf 'export PATH=%q:"$PATH"\nexport HELM_PLUGINS=%q\n' "$bin" "$plugins"
