#!/usr/bin/env bash
# Installs what building, running and testing Portcullis needs; skips whatever is already there.
#   scripts/bootstrap.sh build   # Rust wasm32 target, cargo-leptos, wasm-bindgen CLI, wasm-opt
#   scripts/bootstrap.sh test    # the above, plus Chromium and the end-to-end npm packages
# Tools live in $PORTCULLIS_TOOLS (default ~/.cache/portcullis-tools) and in ~/.cargo/bin, so every clone
# on the machine reuses them. The ordinary rustup path is taken where it works (a laptop); where rustup
# cannot download (these build machines), Debian's rustc-web is linked as a rustup toolchain instead.
set -euo pipefail
here="$(cd "$(dirname "$0")/.." && pwd)"
# shellcheck source=scripts/env.sh
. "$here/scripts/env.sh"
mkdir -p "$PORTCULLIS_TOOLS/bin"

CARGO_LEPTOS_VERSION=0.3.11
BINARYEN_VERSION=132
# The CLI must be exactly the version the app's wasm-bindgen crate is pinned to.
WASM_BINDGEN_VERSION="$(sed -n 's/^wasm-bindgen *= *{ *version *= *"=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen *= *"=\([0-9.]*\)".*/\1/p' "$here/Cargo.toml" | head -n1)"
[ -n "$WASM_BINDGEN_VERSION" ] || { echo "bootstrap: no pinned wasm-bindgen version in Cargo.toml" >&2; exit 1; }

say() { printf '\033[1mbootstrap:\033[0m %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
SUDO=""
if [ "$(id -u)" != 0 ] && have sudo; then SUDO="sudo"; fi
apt_updated=""
apt_install() {
  have apt-get || { echo "bootstrap: please install $* with your system's package manager" >&2; return 1; }
  if [ -z "$apt_updated" ]; then $SUDO apt-get update -qq; apt_updated=1; fi
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

wasm_std_present() {
  local libdir
  libdir="$(rustc --print target-libdir --target wasm32-unknown-unknown 2>/dev/null)" || return 1
  compgen -G "$libdir/libstd-*.rlib" >/dev/null
}

ensure_wasm_target() {
  if wasm_std_present; then say "Rust with the wasm32 target: present (${RUSTUP_TOOLCHAIN:-default toolchain})"; return; fi
  if [ -z "${RUSTUP_TOOLCHAIN:-}" ] && have rustup; then
    say "adding the wasm32 target with rustup (gives up after 60 s without network)"
    if timeout 60 rustup target add wasm32-unknown-unknown >/dev/null 2>&1 && wasm_std_present; then return; fi
  fi
  say "rustup cannot add wasm32 here: using Debian's rustc-web with a wasm32 std built from source"
  [ -x /usr/bin/rustc ] && [ -d /usr/lib/rustlib/src/rust/library ] && have rust-lld \
    || apt_install rustc-web cargo-web rust-web-src lld-22
  if ! have rust-lld && [ -x /usr/bin/ld.lld-22 ]; then ln -sf /usr/bin/ld.lld-22 "$PORTCULLIS_TOOLS/bin/rust-lld"; fi
  local sysroot=/usr/lib/rustlib/wasm32-unknown-unknown/lib
  if ! compgen -G "$sysroot/libstd-*.rlib" >/dev/null; then
    say "building the wasm32 standard library (about 30 s)"
    local probe; probe="$(mktemp -d)"
    (cd "$probe" && RUSTUP_TOOLCHAIN= RUSTC=/usr/bin/rustc /usr/bin/cargo new --lib --name sysroot_probe . >/dev/null 2>&1 \
      && RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 /usr/bin/cargo build --quiet --release \
           --target wasm32-unknown-unknown -Zbuild-std=std,panic_abort,panic_unwind)
    $SUDO mkdir -p "$sysroot"
    $SUDO cp "$probe"/target/wasm32-unknown-unknown/release/deps/lib*.rlib "$sysroot/"
    $SUDO rm -f "$sysroot"/libsysroot_probe-*.rlib
    rm -rf "$probe"
  fi
  if have rustup; then
    rustup toolchain list | grep -q '^debian-web' || rustup toolchain link debian-web /usr
    echo debian-web >"$PORTCULLIS_TOOLS/toolchain"
    export RUSTUP_TOOLCHAIN=debian-web
  fi
  wasm_std_present || { echo "bootstrap: the wasm32 target is still missing" >&2; exit 1; }
}

ensure_wasm_bindgen() {
  if have wasm-bindgen && [ "$(wasm-bindgen --version | awk '{print $2}')" = "$WASM_BINDGEN_VERSION" ]; then
    say "wasm-bindgen $WASM_BINDGEN_VERSION: present"; return
  fi
  say "installing wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 4 min on 2 cores)"
  cargo install --quiet --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
}

ensure_cargo_leptos() {
  if have cargo-leptos && cargo-leptos --version 2>/dev/null | grep -q " $CARGO_LEPTOS_VERSION"; then
    say "cargo-leptos $CARGO_LEPTOS_VERSION: present"; return
  fi
  # A debug build: 6.5 min instead of 25+ on 2 cores, and just as fast at driving the build.
  # no_downloads: it takes wasm-bindgen and wasm-opt from PATH and never fetches anything.
  say "installing cargo-leptos $CARGO_LEPTOS_VERSION (about 7 min on 2 cores)"
  local args=(install --quiet --force cargo-leptos --version "$CARGO_LEPTOS_VERSION" --features no_downloads --locked --debug)
  # cargo-leptos 0.3.11 needs rustc >= 1.96. An older rustup toolchain builds it with Debian's rustc-web
  # (the project itself keeps its own toolchain).
  if rustc_at_least 1 96; then
    cargo "${args[@]}"
  else
    say "rustc $(rustc_version) is too old to build cargo-leptos: building it with Debian's rustc-web"
    [ -x /usr/bin/rustc ] && [ -x /usr/bin/cargo ] || apt_install rustc-web cargo-web
    RUSTUP_TOOLCHAIN= RUSTC=/usr/bin/rustc /usr/bin/cargo "${args[@]}" --root "${CARGO_HOME:-$HOME/.cargo}"
  fi
}

rustc_version() { rustc --version | awk '{print $2}'; }
rustc_at_least() {
  local major minor
  IFS=. read -r major minor _ <<<"$(rustc_version)"
  [ "$major" -gt "$1" ] || { [ "$major" -eq "$1" ] && [ "$minor" -ge "$2" ]; }
}

ensure_wasm_opt() {
  local wrapper="$PORTCULLIS_TOOLS/bin/wasm-opt"
  if [ -x "$wrapper" ] && "$wrapper" --version 2>/dev/null | grep -q "version $BINARYEN_VERSION"; then
    say "wasm-opt (binaryen $BINARYEN_VERSION): present"; return
  fi
  have npm || apt_install nodejs npm
  # Debian's binaryen 108 emits modules that fail in Chromium; the npm build of 132 is correct.
  say "installing binaryen $BINARYEN_VERSION from npm for wasm-opt"
  npm install --silent --no-audit --no-fund --prefix "$PORTCULLIS_TOOLS/binaryen" "binaryen@$BINARYEN_VERSION" >/dev/null
  cat >"$wrapper" <<WRAP
#!/usr/bin/env sh
exec node "$PORTCULLIS_TOOLS/binaryen/node_modules/binaryen/bin/wasm-opt" "\$@"
WRAP
  chmod +x "$wrapper"
}

ensure_chromium() {
  if [ -n "${PORTCULLIS_CHROMIUM:-}" ] || have chromium || have chromium-browser; then say "Chromium: present"; return; fi
  say "installing Chromium from the system's packages"
  apt_install chromium
}

ensure_e2e_packages() {
  local dir="$here/end2end"
  if [ -d "$dir/node_modules/@playwright/test" ] && [ "$dir/node_modules/.package-lock.json" -nt "$dir/package-lock.json" ]; then
    say "end-to-end npm packages: present"; return
  fi
  have npm || apt_install nodejs npm
  say "installing the end-to-end npm packages"
  (cd "$dir" && npm ci --silent --no-audit --no-fund)
}

what="${1:-build}"
ensure_wasm_target
ensure_wasm_opt
ensure_wasm_bindgen
ensure_cargo_leptos
if [ "$what" = test ]; then
  ensure_chromium
  ensure_e2e_packages
fi
say "ready"
