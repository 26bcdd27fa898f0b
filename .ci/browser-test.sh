#!/usr/bin/env bash
# End-to-end test of the HTML report in a real browser: runs
# tests/it/sweeps/tiny_base.toml with `tiersim run`, opens the report.html it
# writes in headless Chromium, saves a screenshot and checks with python3's
# standard library (no imaging packages) that the screenshot has the window's
# size, is not blank, and holds coloured chart pixels, not just text. The
# window is 1,400 px wide, where the tier table used to be cut off (tables
# now scroll inside their own wrapper).
#
# Needs root and either /usr/bin/chromium already installed or apt-get to
# install Debian's chromium; otherwise it prints
# `browser test: SKIPPED (<reason>)` and exits 0. Chromium is started with
# flags that keep it off the network (the report is self-contained).
# Run from anywhere: `bash .ci/browser-test.sh`. Set BROWSER_TEST_KEEP=1 to
# keep the temp folder (report and screenshot) after a pass.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
REPO=$PWD
SCENARIO=$REPO/tests/it/sweeps/tiny_base.toml
BIN=$REPO/target/release/tiersim
CHROMIUM=/usr/bin/chromium
WIDTH=1400
HEIGHT=3000

TEST="browser test"
# shellcheck source=lib.sh
. .ci/lib.sh

# --- 1. can it run here? ----------------------------------------------------
[ "$(id -u)" = 0 ] || skip "needs root to install chromium with apt-get"
command -v python3 >/dev/null 2>&1 || skip "no python3 to check the screenshot"

if [ ! -x "$CHROMIUM" ]; then
    apt_install_or_skip chromium
    [ -x "$CHROMIUM" ] || skip "chromium installed but there is no $CHROMIUM"
fi

# --- 2. build, then write a report ---------------------------------------------
build_or_fail "$SCENARIO"

TMP=$(mktemp -d /tmp/tiersim-browser.XXXXXX)
PASSED=""
cleanup() {
    local rc=$?
    if [ -n "$PASSED" ] && [ -z "${BROWSER_TEST_KEEP:-}" ]; then
        rm -rf "$TMP"
    else
        echo "browser test: files kept in $TMP"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

fail() {
    say "FAILED: $*"
    exit 1
}

t1=$(now)
"$BIN" run "$SCENARIO" --replications 3 --quiet --out "$TMP/run" >"$TMP/run.log" 2>&1 \
    || { cat "$TMP/run.log"; fail "tiersim run failed"; }
REPORT=$TMP/run/report.html
[ -s "$REPORT" ] || fail "tiersim run wrote no $REPORT"
nsvg=$(grep -c '<svg' "$REPORT" || true)
[ "$nsvg" -ge 1 ] || fail "$REPORT has no inline <svg> chart"
npng=$(find "$TMP/run/charts" -maxdepth 1 -name '*.png' 2>/dev/null | wc -l)
[ "$npng" -ge 1 ] || fail "tiersim run wrote no $TMP/run/charts/*.png"
say "report with $nsvg inline SVG charts ($npng PNG charts beside it) in $(($(now) - t1)) s"

# --- 3. open it headless and take a screenshot ---------------------------------
# `--headless` is the new headless mode in Chromium >= 132; older versions may
# need `--headless=new`, so both are tried. The other flags keep Chromium from
# reaching for the network, a GPU, a small /dev/shm or a shared profile.
SHOT=$TMP/shot.png
t2=$(now)
mode=""
for headless in --headless --headless=new; do
    rm -f "$SHOT"
    profile=$(mktemp -d "$TMP/profile.XXXXXX")
    if timeout 120 "$CHROMIUM" "$headless" --no-sandbox --disable-gpu --disable-quic \
        --no-first-run --disable-background-networking --disable-component-update \
        --disable-sync --disable-dev-shm-usage --force-device-scale-factor=1 \
        --user-data-dir="$profile" --hide-scrollbars --window-size="$WIDTH,$HEIGHT" \
        --screenshot="$SHOT" "file://$REPORT" >"$TMP/chromium$headless.log" 2>&1 \
        && [ -s "$SHOT" ]; then
        mode=$headless
        break
    fi
done
if [ -z "$mode" ]; then
    for log in "$TMP"/chromium--headless*.log; do
        echo "== $log (last 15 lines, dbus noise left out)"
        grep -v 'dbus' "$log" | tail -n 15 || true
    done
    fail "chromium wrote no screenshot $SHOT with --headless or --headless=new"
fi
version=$("$CHROMIUM" --version 2>/dev/null | head -n 1 | grep -oE '^Chromium [0-9.]+' || echo chromium)
say "screenshot ${WIDTH}x$HEIGHT with $version $mode in $(($(now) - t2)) s"

# --- 4. the screenshot is the window's size and shows text and charts -----------
# Decodes the PNG with zlib and struct only: 8-bit RGB or RGBA, non-interlaced.
# Thresholds: at least 2% of pixels not pure white, at least 50 distinct
# colours, and at least 1% strongly coloured pixels (max - min channel >= 64):
# anti-aliased text alone gives many greys, the charts' bars give the colour.
result=$(python3 - "$SHOT" "$WIDTH" "$HEIGHT" <<'EOF'
import struct, sys, zlib

path, want_w, want_h = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])

def bad(msg):
    print("FAIL " + msg)
    sys.exit(0)

data = open(path, "rb").read()
if data[:8] != b"\x89PNG\r\n\x1a\n":
    bad("not a PNG file")
pos, idat, ihdr = 8, [], None
while pos + 8 <= len(data):
    length, kind = struct.unpack(">I4s", data[pos:pos + 8])
    body = data[pos + 8:pos + 8 + length]
    pos += 12 + length
    if kind == b"IHDR":
        ihdr = struct.unpack(">IIBBBBB", body)
    elif kind == b"IDAT":
        idat.append(body)
    elif kind == b"IEND":
        break
if ihdr is None or not idat:
    bad("PNG without IHDR or IDAT")
w, h, depth, ctype, _, _, interlace = ihdr
if (w, h) != (want_w, want_h):
    bad("image is %dx%d, the window was %dx%d" % (w, h, want_w, want_h))
if depth != 8 or ctype not in (2, 6) or interlace != 0:
    bad("unsupported PNG: bit depth %d, colour type %d, interlace %d" % (depth, ctype, interlace))
bpp = 3 if ctype == 2 else 4
stride = w * bpp
raw = zlib.decompress(b"".join(idat))
if len(raw) != h * (stride + 1):
    bad("image data is %d bytes, expected %d" % (len(raw), h * (stride + 1)))

prev = bytearray(stride)
white = (255, 255, 255)
nonwhite = coloured = 0
colours = set()
for y in range(h):
    off = y * (stride + 1)
    ftype = raw[off]
    line = bytearray(raw[off + 1:off + 1 + stride])
    if ftype == 1:  # Sub
        for i in range(bpp, stride):
            line[i] = (line[i] + line[i - bpp]) & 255
    elif ftype == 2:  # Up
        line = bytearray((a + b) & 255 for a, b in zip(line, prev))
    elif ftype == 3:  # Average
        for i in range(stride):
            left = line[i - bpp] if i >= bpp else 0
            line[i] = (line[i] + ((left + prev[i]) >> 1)) & 255
    elif ftype == 4:  # Paeth
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            p = a + b - c
            pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
            if pa <= pb and pa <= pc:
                pred = a
            elif pb <= pc:
                pred = b
            else:
                pred = c
            line[i] = (line[i] + pred) & 255
    elif ftype != 0:
        bad("unknown PNG filter type %d in row %d" % (ftype, y))
    prev = line
    if bpp == 4:  # drop alpha: Chromium's screenshots are opaque
        del line[3::4]
    px = set(zip(line[0::3], line[1::3], line[2::3]))
    colours |= px
    if line.count(255) == len(line):
        continue
    for i in range(0, 3 * w, 3):
        r, g, b = line[i], line[i + 1], line[i + 2]
        if r & g & b != 255:
            nonwhite += 1
            if max(r, g, b) - min(r, g, b) >= 64:
                coloured += 1

n = w * h
nw, col = 100.0 * nonwhite / n, 100.0 * coloured / n
stats = "%.1f%% non-white, %d colours, %.1f%% coloured" % (nw, len(colours), col)
if nw < 2.0:
    bad("screenshot is (nearly) blank: %s; want >= 2%% non-white" % stats)
if len(colours) < 50:
    bad("screenshot has too few colours: %s; want >= 50" % stats)
if col < 1.0:
    bad("screenshot shows no charts: %s; want >= 1%% coloured" % stats)
print("OK " + stats)
EOF
) || fail "could not check the screenshot $SHOT (python3 failed)"
case $result in
    "OK "*) ;;
    *) fail "${result#FAIL } (screenshot: $SHOT)" ;;
esac

PASSED=1
say "PASSED (${result#OK })"
