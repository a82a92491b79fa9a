# Shared by scripts/setup and scripts/test: paths, the cargo target dir, the Rust sources that
# rust-analyzer needs, and building + installing the kernel into the repo's venv.
# shellcheck shell=bash

REPO="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# A target dir outside the clone is only a cache: a fresh machine builds into it from scratch.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/huntbook/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

step() { printf '\n==> %s\n' "$*" >&2; }

# rust-analyzer (inside evcxr) infers cell variable types from the standard library's sources.
# rustup's rust-src component provides them; where rustup cannot download components (an
# offline machine), Debian's rust-web-src package is the fallback the kernel knows about.
ensure_rust_src() {
    local sysroot
    sysroot="$(rustc --print sysroot)"
    if [ -d "$sysroot/lib/rustlib/src/rust/library/core" ]; then return 0; fi
    if [ -d /usr/lib/rustlib/src/rust/library/core ]; then return 0; fi
    step "installing the Rust standard library sources"
    if command -v rustup >/dev/null && timeout 120 rustup component add rust-src 2>/dev/null; then
        return 0
    fi
    if command -v apt-get >/dev/null; then
        local sudo=""
        [ "$(id -u)" = 0 ] || sudo="sudo"
        $sudo apt-get update -qq >/dev/null 2>&1 || true
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq rust-web-src >/dev/null \
            && return 0
    fi
    echo "warning: no Rust standard library sources; variables whose types involve std" \
         "will need explicit type annotations in cells" >&2
}

# Headless Chromium for the browser tests (Debian's package). The tests skip, saying why, when
# it cannot be installed.
ensure_chromium() {
    if command -v chromium >/dev/null || [ -x /usr/bin/chromium ]; then return 0; fi
    command -v apt-get >/dev/null || return 0
    step "installing Chromium for the browser tests"
    local sudo=""
    [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq >/dev/null 2>&1 || true
    DEBIAN_FRONTEND=noninteractive timeout 600 $sudo apt-get install -y -qq chromium >/dev/null \
        || echo "warning: Chromium could not be installed; the browser tests will skip" >&2
}

# Creates .venv with Jupyter, builds the kernel and installs it (with a prebuilt prelude) into
# the venv. Safe to re-run: cargo and pip only redo what changed.
build_and_install_kernel() {
    step "Python venv with Jupyter"
    VENV="$(bash "$REPO/scripts/venv.sh" | tail -n 1)"
    export VIRTUAL_ENV="$VENV"
    export PATH="$VENV/bin:$PATH"

    ensure_rust_src

    step "building huntbook-kernel (target dir $CARGO_TARGET_DIR)"
    (cd "$REPO" && cargo build -p huntbook-kernel --bins)

    step "installing the kernelspec and the prebuilt prelude into $VENV"
    "$CARGO_TARGET_DIR/debug/huntbook-kernel" install --sys-prefix --workspace "$REPO"
}
