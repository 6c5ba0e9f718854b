#!/usr/bin/env bash
# Proves the pre-commit hook works end to end: builds a throwaway Flux fleet repository with a
# dangling dependsOn, runs `pre-commit try-repo <this repository> fleetlint --all-files` on it
# (pre-commit builds fleetlint from the committed HEAD with `cargo install`), expects a failing
# run, fixes the fleet, and expects a passing run.
#
# Usage: scripts/pre-commit-try-repo.sh [REPOSITORY] [REV]
#   REPOSITORY  the fleetlint repository to install the hook from (default: this one)
#   REV         the commit to install (default: HEAD of REPOSITORY; uncommitted changes are
#               not part of it)
#
# Needs git, python3 and a Rust toolchain; uses `pre-commit` from PATH, else installs it from
# PyPI into a temporary virtualenv. Takes a few minutes (a release build of fleetlint). Not part
# of CI: it builds in release mode and needs crates.io and PyPI.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
repo="$(cd "${1:-$here}" && git rev-parse --show-toplevel)"
rev="${2:-$(git -C "$repo" rev-parse HEAD)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

if ! git -C "$repo" diff --quiet HEAD -- 2>/dev/null; then
    echo "note: $repo has uncommitted changes; try-repo installs commit $rev without them" >&2
fi

if command -v pre-commit >/dev/null 2>&1; then
    precommit=(pre-commit)
else
    echo "== installing pre-commit from PyPI into a temporary virtualenv"
    python3 -m venv "$work/venv"
    "$work/venv/bin/pip" install --quiet pre-commit
    precommit=("$work/venv/bin/pre-commit")
fi
echo "== $("${precommit[@]}" --version), fleetlint from $repo at $rev"

# Both runs install into a fresh pre-commit store; a shared target directory makes the second
# build reuse the first one's dependencies.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$work/cargo-target}"

fleet="$work/fleet"
mkdir -p "$fleet/clusters/dev/flux-system" "$fleet/infrastructure/dev" "$fleet/apps/dev"
cat > "$fleet/clusters/dev/flux-system/gotk-sync.yaml" <<'YAML'
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 1m0s
  ref:
    branch: main
  url: https://github.com/example/fleet
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: flux-system
  namespace: flux-system
spec:
  interval: 10m0s
  path: ./clusters/dev
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
YAML
cat > "$fleet/clusters/dev/flux-system/kustomization.yaml" <<'YAML'
apiVersion: kustomize.config.k8s.io/v1beta1
kind: Kustomization
resources:
  - gotk-sync.yaml
YAML
cat > "$fleet/clusters/dev/infrastructure.yaml" <<'YAML'
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infra-configs
  namespace: flux-system
spec:
  interval: 1h
  path: ./infrastructure/dev
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
YAML
cat > "$fleet/clusters/dev/apps.yaml" <<'YAML'
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  dependsOn:
    - name: infra-config
  interval: 10m
  path: ./apps/dev
  prune: true
  sourceRef:
    kind: GitRepository
    name: flux-system
YAML
cat > "$fleet/infrastructure/dev/namespace.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata:
  name: monitoring
YAML
cat > "$fleet/apps/dev/namespace.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata:
  name: podinfo
YAML

git -C "$fleet" init --quiet
git -C "$fleet" add .
git -C "$fleet" -c user.name=fleetlint -c user.email=fleetlint@example.invalid \
    commit --quiet -m "a fleet with a dangling dependsOn"

try_repo() {
    (cd "$fleet" && "${precommit[@]}" try-repo "$repo" fleetlint --ref "$rev" --all-files)
}

echo
echo "== 1. clusters/dev/apps.yaml depends on \"infra-config\" (the Kustomization is \"infra-configs\"): must fail"
set +e
try_repo
status=$?
set -e
if [ "$status" -eq 0 ]; then
    echo "FAIL: the hook passed on a broken fleet" >&2
    exit 1
fi
echo "== the hook failed (exit $status), as it must"

echo
echo "== 2. fix the dependsOn entry: must pass"
sed -i.bak 's/- name: infra-config$/- name: infra-configs/' "$fleet/clusters/dev/apps.yaml"
rm "$fleet/clusters/dev/apps.yaml.bak"
git -C "$fleet" add .
try_repo
echo "== the hook passed on the fixed fleet"
