#!/usr/bin/env bash
# Makes PNG screenshots of each screen of the dashboard from a real run of `ecsdash --demo`,
# so they can be made again whenever the screens change:
#
#     bash scripts/screenshots.sh              # debug build (reuses the warm target dir)
#     bash scripts/screenshots.sh --release    # release build
#
# How: builds ecsdash, runs `ecsdash --demo` in a detached tmux session of a fixed size (on a
# tmux server of its own, so your tmux is left alone), drives it with `tmux send-keys`,
# waiting for each screen to show the text expected of it, captures it with colours
# (`tmux capture-pane -e -p`), turns it into HTML with ansi2html (installed into the
# git-ignored .venv) and renders that to PNG with headless Chromium.
# Writes screenshots/01-clusters.png ... screenshots/20-charts.png.
#
# Installs what is missing: chromium and fonts-dejavu-core (apt; root or sudo), tmux (apt),
# and ansi2html (pip, into .venv).
#
# Settings (environment):
#   PROFILE=debug|release   cargo profile to build and run (default debug; --release sets it)
#   ECSDASH_BIN=PATH        run this binary instead of building one
#   COLS=140 ROWS=40        terminal size
#   THEME=dark|light        ecsdash theme; the page background follows it
#   FONT_PX=15 LINE_PX=18   font size and line height of the rendering, in CSS pixels
#   SCALE=1                 device scale factor (2 gives sharper, 4x larger PNGs)
#   WAIT_SECONDS=20         longest wait for any one screen
#   OUT=screenshots         where the PNGs go
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE="${PROFILE:-debug}"
COLS="${COLS:-140}"
ROWS="${ROWS:-40}"
THEME="${THEME:-dark}"
FONT_PX="${FONT_PX:-15}"
LINE_PX="${LINE_PX:-18}"
SCALE="${SCALE:-1}"
WAIT_SECONDS="${WAIT_SECONDS:-20}"
OUT="${OUT:-screenshots}"
VENV=".venv"
ANSI2HTML_VERSION="1.9.5"
PAD_PX=12

usage() { sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
for arg in "$@"; do
    case "$arg" in
        --release) PROFILE=release ;;
        -h | --help) usage; exit 0 ;;
        *) usage >&2; exit 2 ;;
    esac
done

say() { echo "screenshots: $*" >&2; }
fail() {
    say "$*"
    exit 1
}

# --- what it needs --------------------------------------------------------------------------

as_root() {
    if [[ "$(id -u)" -eq 0 ]]; then
        "$@"
    elif command -v sudo >/dev/null; then
        sudo "$@"
    else
        fail "need root (or sudo) for: $*"
    fi
}

apt_updated=""
apt_install() {
    say "installing $* with apt-get (not found on this machine)"
    if [[ -z "$apt_updated" ]]; then
        as_root apt-get update -qq || fail "apt-get update failed"
        apt_updated=1
    fi
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null \
        || fail "apt-get install $* failed"
}

command -v python3 >/dev/null || fail "python3 is needed (for the .venv with ansi2html)"
command -v tmux >/dev/null || apt_install tmux

CHROMIUM="$(command -v chromium || command -v chromium-browser || true)"
if [[ -z "$CHROMIUM" ]]; then
    apt_install chromium
    CHROMIUM="$(command -v chromium)" || fail "chromium is still missing after apt-get install"
fi

if [[ ! -f /usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf ]] \
    && [[ -z "$(fc-list "DejaVu Sans Mono" 2>/dev/null || true)" ]]; then
    apt_install fonts-dejavu-core
fi

if [[ ! -x "$VENV/bin/python" ]]; then
    say "creating $VENV"
    python3 -m venv "$VENV" || fail "cannot create $VENV (is python3-venv installed?)"
fi
installed="$("$VENV/bin/python" -m pip show ansi2html 2>/dev/null | sed -n 's/^Version: //p' || true)"
if [[ "$installed" != "$ANSI2HTML_VERSION" ]]; then
    say "installing ansi2html==$ANSI2HTML_VERSION into $VENV"
    "$VENV/bin/python" -m pip install --quiet "ansi2html==$ANSI2HTML_VERSION" \
        || fail "cannot install ansi2html==$ANSI2HTML_VERSION into $VENV"
fi

# --- the binary -----------------------------------------------------------------------------

if [[ -n "${ECSDASH_BIN:-}" ]]; then
    BIN="$ECSDASH_BIN"
else
    if [[ "$PROFILE" == release ]]; then
        cargo build --release --bin ecsdash
    else
        cargo build --bin ecsdash
    fi
    BIN="${CARGO_TARGET_DIR:-target}/$PROFILE/ecsdash"
fi
[[ -x "$BIN" ]] || fail "no binary at $BIN"
BIN="$(cd "$(dirname "$BIN")" && pwd)/$(basename "$BIN")"

case "$THEME" in
    dark) PAGE_BG="#1a1b26" PAGE_FG="#c0caf5" ;;
    light) PAGE_BG="#ffffff" PAGE_FG="#24292f" ;;
    *) PAGE_BG="#1a1b26" PAGE_FG="#c0caf5" ;;
esac

# --- the tmux session -----------------------------------------------------------------------

TMP="$(mktemp -d "${TMPDIR:-/tmp}/ecsdash-shots.XXXXXX")"
SOCKET="ecsdash-shots-$$"
tmx() { tmux -L "$SOCKET" -f "$TMP/tmux.conf" "$@"; }
cleanup() {
    tmx kill-server 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

mkdir -p "$TMP/config" "$TMP/state" "$OUT"
cat >"$TMP/tmux.conf" <<'EOF'
set -g status off
set -g remain-on-exit on
set -g escape-time 0
EOF

# A config and state directory of its own: the user's config file can't change the pictures.
tmx new-session -d -s shots -x "$COLS" -y "$ROWS" \
    env -u NO_COLOR TERM=xterm-256color COLORTERM=truecolor \
    XDG_CONFIG_HOME="$TMP/config" XDG_STATE_HOME="$TMP/state" \
    "$BIN" --demo --theme "$THEME"

screen() { tmx capture-pane -t shots -p; }

# Waits (bounded) until the screen matches every extended regex given and shows no
# "⟳ loading", and then until two captures in a row are the same, so a frame is not taken
# half drawn.
matches() {
    local text="$1" pattern
    shift
    ! grep -q '⟳ loading' <<<"$text" || return 1
    for pattern in "$@"; do
        grep -qE -- "$pattern" <<<"$text" || return 1
    done
}

wait_for() {
    local what="$1"
    shift
    local deadline=$((SECONDS + WAIT_SECONDS)) text
    while ((SECONDS < deadline)); do
        text="$(screen)"
        if matches "$text" "$@"; then
            sleep 0.2
            [[ "$(screen)" == "$text" ]] && return 0
            continue
        fi
        if [[ "$(tmx display-message -p -t shots '#{pane_dead}')" == 1 ]]; then
            screen >&2
            fail "ecsdash exited while waiting for $what"
        fi
        sleep 0.1
    done
    screen >&2
    fail "the screen never showed $what (${WAIT_SECONDS}s; wanted: $*)"
}

# Waits (bounded) until no line of the screen matches the pattern.
wait_gone() {
    local what="$1" pattern="$2" deadline=$((SECONDS + WAIT_SECONDS))
    while ((SECONDS < deadline)); do
        grep -qE -- "$pattern" <<<"$(screen)" || return 0
        sleep 0.1
    done
    screen >&2
    fail "$what never went away (${WAIT_SECONDS}s)"
}

keys() { tmx send-keys -t shots "$@"; }
type_text() { tmx send-keys -t shots -l "$1"; }

# --- rendering ------------------------------------------------------------------------------

# Window size from the grid: DejaVu Sans Mono advances 1233/2048 em per cell.
WIN_W="$(awk -v c="$COLS" -v f="$FONT_PX" -v p="$PAD_PX" \
    'BEGIN { w = c * f * 1233 / 2048 + 2 * p; printf "%d", (w == int(w)) ? w : int(w) + 1 }')"
WIN_H=$((ROWS * LINE_PX + 2 * PAD_PX))
# Its glyphs are 2384/2048 em tall; box drawing and block characters are stretched to the
# line height (and a little over), so borders join from row to row as in a terminal, and
# every other non-ASCII character is given exactly its cells' width.
ART_SCALE="$(awk -v f="$FONT_PX" -v l="$LINE_PX" \
    'BEGIN { s = l / (f * 2384 / 2048) + 0.02; printf "%.3f", (s > 1) ? s : 1 }')"

shot() {
    local name="$1" ans="$TMP/$1.ans" html="$TMP/$1.html" png="$OUT/$1.png"
    tmx capture-pane -t shots -e -p >"$ans"
    {
        cat <<EOF
<!doctype html>
<html><head><meta charset="utf-8"><title>ecsdash $name</title>
<style>
html, body { margin: 0; background: $PAGE_BG; overflow: hidden; }
body { padding: ${PAD_PX}px; }
pre {
  margin: 0; color: $PAGE_FG; white-space: pre;
  font-family: "DejaVu Sans Mono", monospace; font-size: ${FONT_PX}px; line-height: ${LINE_PX}px;
  font-variant-ligatures: none; font-kerning: none;
}
.art { display: inline-block; transform: scaleY($ART_SCALE); }
.c1, .c2 { display: inline-block; text-align: center; }
.c1 { width: 1ch; }
.c2 { width: 2ch; }
</style></head>
<body><pre>
EOF
        "$VENV/bin/python" - "$ans" <<'PY'
import re, sys, unicodedata
from ansi2html import Ansi2HTMLConverter

with open(sys.argv[1], encoding="utf-8") as f:
    html = Ansi2HTMLConverter(inline=True).convert(f.read(), full=False)
# Any other non-ASCII character gets exactly its cells, in case the font lacks it (the
# fallback font's glyph would be wider and push the rest of the line out of its columns).
def cells(m):
    wide = unicodedata.east_asian_width(m.group(0)) in "WF"
    return '<span class="c%d">%s</span>' % (2 if wide else 1, m.group(0))
html = re.sub("[^\x00-\x7f\u2500-\u259f]", cells, html)
# Runs of box drawing (U+2500-257F) and block (U+2580-259F) characters.
html = re.sub("[\u2500-\u259f]+", lambda m: '<span class="art">' + m.group(0) + "</span>", html)
print(html, end="")
PY
        printf '</pre></body></html>\n'
    } >"$html"
    rm -f "$png"
    # A fresh profile every time, and nothing that reaches for the network.
    timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
        --disable-background-networking --disable-component-update --disable-sync \
        --hide-scrollbars --force-device-scale-factor="$SCALE" \
        --user-data-dir="$(mktemp -d "$TMP/chromium.XXXXXX")" \
        --screenshot="$png" --window-size="$WIN_W,$WIN_H" "file://$html" \
        >"$TMP/chromium.log" 2>&1 || true
    [[ -s "$png" ]] || { cat "$TMP/chromium.log" >&2; fail "chromium made no $png"; }
    say "$png"
    shots=$((shots + 1))
}

# --- the screens ----------------------------------------------------------------------------

started=$SECONDS
shots=0

wait_for "the clusters pane" '^ clusters ' 'prod-core +ACTIVE'
shot 01-clusters

keys Enter
wait_for "the services of prod-core" 'prod-core › services' '│checkout +ACTIVE'
wait_for "their load balancer targets and metrics" '│recommendations .* 1/2 ' '│api-gateway .*[0-9]+% .* 6/6 '
shot 02-services

keys j j d
wait_for "the description of checkout" '╭ service checkout ' 'CPU [0-9]+%' 'Why tasks stopped'
shot 03-describe-service

keys Escape
wait_gone "the description popup" 'Why tasks stopped'
keys Enter
wait_for "the tasks of checkout" 'prod-core › checkout › tasks' ' RUNNING '
shot 04-tasks

# `x` on a running task with two containers: the container choice before the shell.
keys /
type_text "RUNNING"
keys Enter
keys x
wait_for "the exec container choice" 'Exec into task' 'container'
shot 17-exec-container
keys Escape

# `p` on the same task: a port forward (the demo's listens on the port and answers each
# connection with a line), one connection to it, then `:forwards`.
keys p
wait_for "the port forward form" 'Forward a port of task' 'ports'
type_text "18080:8080"
keys Enter
keys :
type_text "forwards"
keys Enter
wait_for "the open forward" '╭ port forwards \(1\)' 'localhost:18080 .* open +│'
(exec 3<>/dev/tcp/127.0.0.1/18080 && head -1 <&3) >/dev/null 2>&1 || true
wait_for "its connection counted" 'localhost:18080 .* 1 +[0-9]+ +open +│'
shot 18-forwards
keys x
wait_for "the forward stopped" 'localhost:18080 .* stopped'
keys Escape
wait_for "the tasks of checkout again" 'prod-core › checkout › tasks'
keys Escape
wait_gone "the filter /RUNNING" '/RUNNING'

keys :
type_text "instances prod-core"
wait_for "the command line" '^:instances prod-core *$'
keys Enter
wait_for "the container instances of prod-core" 'prod-core › container instances' 'DRAINING'
shot 05-instances

keys :
type_text "services prod-core"
wait_for "the command line" '^:services prod-core *$'
keys Enter
wait_for "the services of prod-core" 'prod-core › services' '│checkout +ACTIVE'
keys '?'
wait_for "the keys of the services pane" '╭ keys: services ' 'Esc/\? close'
shot 06-help

keys Escape
wait_gone "the help popup" 'keys: services'
keys /
type_text "pay"
wait_for "the filter /pay" 'services \([0-9]+\) +/pay ' '^/pay *$' '│payments '
shot 07-filter

keys Escape
wait_gone "the filter" '/pay'
keys :
wait_for "the command line" '^: *$' 'Tab completes'
keys s
wait_for "completion of :s" '^:s *$' 'Tab completes' '│:services '
shot 08-command

keys Escape
wait_gone "the command line" '^:s *$'
keys g j j l
wait_for "the logs of checkout" 'logs: service checkout' ' LIVE ' '[0-9a-f]{8}/checkout '
sleep 3
shot 09-logs

keys Escape
wait_gone "the logs pane" 'logs: service checkout'
keys g s
wait_for "the scale dialog" '╭ Scale api-gateway ' 'auto scaling: min'
type_text "24"
wait_for "the out-of-range warning" '\[24\]' 'outside auto scaling'
shot 10-scale

keys Tab Space Enter
wait_for "the scale confirmation" 'desired count: [0-9]+ → 24' 'max: [0-9]+ → 24' 'y: yes, do it'
shot 11-scale-confirm

keys n
wait_gone "the confirmation" 'y: yes, do it'
keys a
wait_for "the auto scaling of api-gateway" 'api-gateway › auto scaling' 'cpu-target-tracking'
shot 12-auto-scaling

keys Escape
wait_for "the services of prod-core" 'prod-core › services'
keys g j j j j j j j R
wait_for "the revisions of orders" 'roll out orders' 'orders:[0-9]+ +running now'
keys Enter
wait_for "the rollout confirmation with its diff" '╭ Roll out to orders ' 'task definition: orders:' '^.*│@@ '
shot 13-rollout-confirm

keys y
wait_for "the rollout view" 'orders › rollout'
WAIT_SECONDS=120 wait_for "the circuit breaker" 'FAILED ✗' 'rolling back to'
shot 14-rollout-failed

# What needs attention now: the failed rollout, the OOM-killed pdf renderer.
keys Escape
wait_for "the services of prod-core" 'prod-core › services'
keys :
type_text "pulse"
keys Enter
wait_for "the pulse view" 'services needing attention' '│orders .*rollout failed' '│pdf-renderer .*tasks died'
shot 19-pulse

# The charts of orders: its CPU during the failed rollout.
keys Escape
wait_for "the services of prod-core" 'prod-core › services'
keys /
type_text "orders"
keys Enter
wait_for "the filter /orders" '│orders '
keys d
wait_for "the charts of orders" '╭ service orders ' 'CPU (8|9)[0-9]%' 'Alarms in ALARM'
shot 20-charts
keys Escape
wait_gone "the description popup" 'Alarms in ALARM'
keys Escape
wait_for "the services of prod-core" 'prod-core › services' '│checkout '
keys :
type_text "taskdefs payments"
keys Enter
wait_for "the revisions of payments" 'task definitions › payments' 'payments:[0-9]+'
keys e
wait_for "the JSON editor" 'new revision from payments' 'containerDefinitions'
shot 15-edit-revision

keys Escape
wait_gone "the editor" 'new revision from payments'
keys :
type_text "services prod-core"
keys Enter
wait_for "the services of prod-core" 'prod-core › services' '│checkout +ACTIVE'
keys /
type_text "shipping"
keys Enter
wait_for "the filter /shipping" '│shipping-quotes '
keys l
wait_for "the logs of shipping-quotes" 'logs: service shipping-quotes' 'awsfirelens|FireLens'
keys p
wait_for "the stream picker" 'fluent-bit-shipping-quotes-firelens-'
shot 16-stream-picker

keys Escape Escape
keys q
deadline=$((SECONDS + WAIT_SECONDS))
until [[ "$(tmx display-message -p -t shots '#{pane_dead}')" == 1 ]]; do
    ((SECONDS < deadline)) || fail "ecsdash did not quit on q"
    sleep 0.1
done
status="$(tmx display-message -p -t shots '#{pane_dead_status}')"
# Older tmux versions do not report the status; then only the quit itself is checked.
[[ -z "$status" || "$status" == 0 ]] || fail "ecsdash exited with status $status"

say "$shots screenshots in $OUT/ (${COLS}x${ROWS}, ${WIN_W}x${WIN_H} px) in $((SECONDS - started))s"
