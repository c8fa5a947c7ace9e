# Pinned version, address and cache paths of the local OCI registry (sourced by
# scripts/services/registry.sh and read by tests/docker/conftest.py).
REGISTRY_VERSION=${REGISTRY_VERSION:-3.1.2} # github.com/distribution/distribution/v3 tag, without "v"
REGISTRY_ADDR=${OSMO_TUI_REGISTRY_ADDR:-127.0.0.1:5000} # Docker trusts 127.0.0.0/8 over plain http
REGISTRY_CACHE=${OSMO_TUI_REGISTRY_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/osmo-tui-registry}
REGISTRY_BIN=$REGISTRY_CACHE/$REGISTRY_VERSION/registry
# One directory per address, so a second instance (another port) never touches the first.
REGISTRY_RUN=$REGISTRY_CACHE/${REGISTRY_ADDR//:/-} # config.yml, registry.pid, registry.log
REGISTRY_DATA=$REGISTRY_RUN/data                   # filesystem storage: blobs and manifests
