# Sourced by build scripts: makes sure Debian's clang-14 + wasi-libc are installed and
# defines WASI_CC, the compiler command for wasm32-wasi (WASI preview 1) command modules.
# Debian bookworm packages: clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32.

WASI_RT=/usr/lib/llvm-14/lib/clang/14.0.6/lib/wasi/libclang_rt.builtins-wasm32.a

ensure_wasi_toolchain() {
    if command -v clang-14 >/dev/null 2>&1 && [ -x /usr/bin/wasm-ld-14 ] \
        && [ -f /usr/include/wasm32-wasi/stdio.h ] && [ -f /usr/lib/wasm32-wasi/libc.a ] \
        && [ -f "$WASI_RT" ]; then
        return 0
    fi
    local sudo=""
    if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
    echo "installing clang-14, lld-14, wasi-libc, libclang-rt-14-dev-wasm32" >&2
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
        clang-14 lld-14 wasi-libc libclang-rt-14-dev-wasm32 >&2
}

# -Wl,--strip-all drops the DWARF that Debian's libc.a carries (150 KB -> ~20 KB).
WASI_CC="clang-14 --target=wasm32-wasi --sysroot=/usr -fuse-ld=/usr/bin/wasm-ld-14 -Wl,--strip-all"
