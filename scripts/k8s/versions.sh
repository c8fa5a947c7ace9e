# Pinned versions and cache paths of the local control plane (sourced by build.sh, up.sh, k8s.sh).
K8S_VERSION=${K8S_VERSION:-1.34.10}  # k8s.io/kubernetes tag, without the leading "v"
ETCD_VERSION=${ETCD_VERSION:-3.5.24} # go.etcd.io/etcd/server/v3 tag (3.5.11+ is the minimum for k8s 1.31+)
KWOK_VERSION=${KWOK_VERSION:-0.8.0}  # sigs.k8s.io/kwok tag (0.8.0 needs Go >= 1.26; 0.7.0 needs >= 1.24)
CACHE_ROOT=${OSMO_TUI_K8S_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/osmo-tui-k8s}
DEST=${DEST:-$CACHE_ROOT/k8s-$K8S_VERSION-etcd-$ETCD_VERSION-kwok-$KWOK_VERSION}
RUN_DIR=${OSMO_TUI_K8S_RUN:-$CACHE_ROOT/run}
# The real node next to the KWOK nodes (build-node.sh, node-up.sh): kubelet from K8S_VERSION's
# modules (built by build.sh into $DEST/bin), CoreDNS from its Go module, a locally built pause.
COREDNS_VERSION=${COREDNS_VERSION:-1.14.7} # github.com/coredns/coredns tag (1.14 needs Go >= 1.25)
NODE_BIN=${NODE_BIN:-$CACHE_ROOT/node-coredns-$COREDNS_VERSION/bin} # coredns, pause
NODE_RUN=${OSMO_TUI_K8S_NODE_RUN:-$RUN_DIR/node} # containerd, kubelet, CoreDNS state and logs
NODE_NAME=${NODE_NAME:-osmo-real}                # the node, and the namespace whose pods run on it
