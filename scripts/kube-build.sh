#!/usr/bin/env bash
# Builds the kube-apiserver and etcd that the real-server tests and `npm run kube:up` run, from the
# Go modules pinned in tools/kube/go.mod, into a cache directory shared by every checkout:
#   ${BATCH_GITOPS_KUBE_BIN:-~/.cache/batch-gitops/kube-<version>}/{kube-apiserver,etcd}
# Skips the build when both binaries are already there. Prints the directory on stdout (last line);
# `--print-dir` prints it without building.
# A full build takes 15 CPU-minutes (55 minutes wall on 2 busy cores); concurrent calls wait on one lock instead of
# building twice.
set -euo pipefail
cd "$(dirname "$0")/../tools/kube"

KUBE_VERSION="$(awk '$1 == "k8s.io/kubernetes" { print $2; exit }' go.mod)"
ETCD_VERSION="$(awk '$1 == "go.etcd.io/etcd/server/v3" { print $2; exit }' go.mod)"
BIN_DIR="${BATCH_GITOPS_KUBE_BIN:-${XDG_CACHE_HOME:-$HOME/.cache}/batch-gitops/kube-${KUBE_VERSION}-etcd-${ETCD_VERSION}}"

have_binaries() { [[ -x "$BIN_DIR/kube-apiserver" && -x "$BIN_DIR/etcd" ]]; }

# --print-dir: only say where the binaries are (or would be), build nothing.
if [[ "${1:-}" == "--print-dir" ]] || have_binaries; then
  echo "$BIN_DIR"
  exit 0
fi

command -v go >/dev/null || { echo "kube-build: Go is required (go.mod asks for $(awk '$1 == "go" { print $2 }' go.mod))" >&2; exit 1; }
mkdir -p "$BIN_DIR"
exec 9>"$BIN_DIR/.build.lock"
flock 9
if have_binaries; then # another process built them while we waited for the lock
  echo "$BIN_DIR"
  exit 0
fi

# -mod=readonly: build exactly what go.mod and go.sum pin, never resolve anew.
export GOFLAGS="${GOFLAGS:--trimpath} -mod=readonly"
export GOMAXPROCS="${GOMAXPROCS:-2}"
export CGO_ENABLED=0
PARALLEL="${KUBE_BUILD_PARALLEL:-2}"
start=$SECONDS
echo "kube-build: building kube-apiserver $KUBE_VERSION and etcd $ETCD_VERSION into $BIN_DIR (-p $PARALLEL)" >&2
# Build into temporary names and rename, so an interrupted build never leaves a half-written binary.
go build -p "$PARALLEL" -ldflags='-s -w' -o "$BIN_DIR/etcd.tmp" ./cmd/etcd
# Stamp the version as the release build does (kubectl and /version report it; a plain `go build`
# says v0.0.0-master).
minor="${KUBE_VERSION#v1.}"; minor="${minor%%.*}"
VERSION_PKG=k8s.io/component-base/version
KUBE_LDFLAGS="-s -w -X $VERSION_PKG.gitVersion=$KUBE_VERSION -X $VERSION_PKG.gitMajor=1 -X $VERSION_PKG.gitMinor=$minor -X $VERSION_PKG.gitTreeState=clean"
go build -p "$PARALLEL" -ldflags="$KUBE_LDFLAGS" -o "$BIN_DIR/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver
mv "$BIN_DIR/etcd.tmp" "$BIN_DIR/etcd"
mv "$BIN_DIR/kube-apiserver.tmp" "$BIN_DIR/kube-apiserver"
echo "kube-build: done in $((SECONDS - start)) s" >&2
echo "$BIN_DIR"
