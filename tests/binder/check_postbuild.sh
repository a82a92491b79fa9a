#!/usr/bin/env bash
# Runs binder/postBuild as repo2docker would, in a fresh HOME and a fresh Python environment,
# then checks that the kernel was installed warm: kernelspec, prelude, and a build directory
# left by executing the demo notebooks. The machine's Rust toolchain is reused (no download),
# and so is the cargo target dir, as a cache only.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

export CARGO_HOME="${CARGO_HOME:-$HOME/.cargo}"
export RUSTUP_HOME="${RUSTUP_HOME:-$HOME/.rustup}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/huntbook/target}"
export HUNTBOOK_KEEP_TARGET=1
python="${PYTHON:-python3}"

"$python" -m venv "$work/env"
"$work/env/bin/pip" install --quiet --disable-pip-version-check -r "$repo/binder/requirements.txt"
"$work/env/bin/pip" install --quiet --disable-pip-version-check jupyter_client

mkdir -p "$work/home"
env HOME="$work/home" VIRTUAL_ENV="$work/env" PATH="$work/env/bin:$CARGO_HOME/bin:$PATH" \
    bash "$repo/binder/postBuild"

spec="$work/env/share/jupyter/kernels/huntbook/kernel.json"
[ -f "$spec" ] || { echo "FAIL: no kernelspec at $spec" >&2; exit 1; }
[ -f "$work/env/share/huntbook/prelude/prelude.json" ] || { echo "FAIL: no prelude" >&2; exit 1; }
builds="$work/home/.cache/huntbook/builds"
ls "$builds"/*/evcxr/target >/dev/null 2>&1 \
    || { echo "FAIL: demo notebooks left no warm build directory in $builds" >&2; exit 1; }
echo "binder postBuild: kernel installed and warm in a fresh HOME"
