# Shared by the CI scripts that need Debian packages and the release binary.
# Source it after setting TEST (the message prefix, e.g. "slurm test") and
# BIN (the tiersim binary). Nothing here exits non-zero except `fail`.

say() { echo "$TEST: $*"; }
skip() {
    say "SKIPPED ($*)"
    exit 0
}
fail() {
    say "FAILED: $*"
    exit 1
}
now() { date +%s; }

# apt_install_or_skip PACKAGE...: installs with apt-get, skipping the test
# (not failing it) when the packages cannot be had. Package lists younger
# than a day are used as they are; if installing from them fails, or they
# are older or missing, they are updated first.
apt_install_or_skip() {
    command -v apt-get >/dev/null 2>&1 || skip "$* not installed and there is no apt-get to install it"
    say "installing $* with apt-get"
    export DEBIAN_FRONTEND=noninteractive
    local log fresh t0
    t0=$(now)
    log=$(mktemp "/tmp/tiersim-apt.XXXXXX")
    install() {
        timeout 900 apt-get install -y --no-install-recommends -o DPkg::Lock::Timeout=120 "$@" >>"$log" 2>&1
    }
    fresh=$(find /var/lib/apt/lists -maxdepth 1 -name '*_InRelease' -mmin -1440 2>/dev/null | head -n 1)
    if [ -z "$fresh" ] || ! install "$@"; then
        if ! timeout 900 apt-get update >>"$log" 2>&1; then
            tail -n 5 "$log" | sed 's/^/    /'
            skip "apt-get update failed"
        fi
        if ! install "$@"; then
            tail -n 5 "$log" | sed 's/^/    /'
            skip "apt-get install $* failed"
        fi
    fi
    rm -f "$log"
    say "installed in $(($(now) - t0)) s"
}

# build_or_fail FILE...: builds the release binary and checks that it and
# the input files exist.
build_or_fail() {
    if command -v cargo >/dev/null 2>&1; then
        cargo build --release --quiet
    fi
    [ -x "$BIN" ] || fail "no $BIN (cargo build --release)"
    local f
    for f in "$@"; do
        [ -f "$f" ] || fail "no $f"
    done
}
