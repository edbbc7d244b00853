# Sourced by the Makefile and the scripts: puts the project's build tools on PATH and selects the
# toolchain that scripts/bootstrap.sh chose for this machine. Safe to source many times.
PORTCULLIS_TOOLS="${PORTCULLIS_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/portcullis-tools}"
export PORTCULLIS_TOOLS
case ":$PATH:" in
  *":$PORTCULLIS_TOOLS/bin:"*) ;;
  *) PATH="$PORTCULLIS_TOOLS/bin:$HOME/.cargo/bin:$PATH" ;;
esac
export PATH
# On machines where rustup cannot download the wasm32 target, bootstrap links Debian's rustc-web as the
# `debian-web` toolchain (with a wasm32 std it built) and records that choice here.
if [ -z "${RUSTUP_TOOLCHAIN:-}" ] && [ -s "$PORTCULLIS_TOOLS/toolchain" ]; then
  RUSTUP_TOOLCHAIN="$(cat "$PORTCULLIS_TOOLS/toolchain")"
  export RUSTUP_TOOLCHAIN
fi
# cargo-leptos sets this while it builds; leptos reads it at compile time (the wasm file name in the
# hydration script). Setting it for every cargo call keeps plain `cargo` builds identical and cache-friendly.
export LEPTOS_OUTPUT_NAME=portcullis
# Playwright must never download a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
