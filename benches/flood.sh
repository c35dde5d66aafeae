#!/usr/bin/env bash
# The cost per streamed chunk, whole process, side by side (issue 10).
#
# A simulated gateway (`modelroom simulate`, its own process) streams CHUNKS OpenRouter-shaped
# chunks of one short word each, with some markdown, with no delay at all (`[sim:flood=N]`).
# Each client takes the stream and its CPU time (user + system, every thread) and peak RSS are
# the kernel's accounting of the finished process (wait4; benches/flood_run.py):
#   curl, bytes only (the floor); `modelroom ask` piped; the room in a real pseudo-terminal
#   (tmux), 1 and 8 panes; the room, 1 pane, with the answer on one endless line; and aichat,
#   piped and in tmux, when an `aichat` binary is found ($AICHAT or on PATH).
# The room logs its frames (MODELROOM_FRAME_LOG), which gives the stream's own cost (from the
# first chunk to the last), per-chunk cost by decile and frame times; piped clients' deciles
# come from sampling /proc/PID every 5 ms (CPU time against bytes written). With aichat run
# too, the report ends with `ask` and the room as shares of aichat's cost in the same run, and
# issue 10's targets as such shares (this machine's speed moves; the share is what compares).
#
# Usage: cargo build --release && benches/flood.sh [CHUNKS]     (default 50000)
# Env: MODELROOM (binary; default target/release/modelroom), AICHAT, PANES ("1 8"),
#      ONELINE_CHUNKS (20000; 0 skips the case), STARTS (3: cold starts measured).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BIN=${MODELROOM:-$ROOT/target/release/modelroom}
RUN="$ROOT/benches/flood_run.py"
CHUNKS=${1:-50000}
PANES=${PANES:-1 8}
ONELINE_CHUNKS=${ONELINE_CHUNKS:-20000}
STARTS=${STARTS:-3}
AICHAT=${AICHAT:-$(command -v aichat || true)}

[[ -x $BIN ]] || { echo "no $BIN: run cargo build --release first" >&2; exit 2; }
for tool in tmux curl python3; do
    command -v $tool >/dev/null || { echo "$tool is needed" >&2; exit 2; }
done

TMP=$(mktemp -d)
TMUX_SOCKET="flood-$$"
SIM_PID=
cleanup() {
    tmux -L "$TMUX_SOCKET" kill-server 2>/dev/null || true
    [[ -n $SIM_PID ]] && kill "$SIM_PID" 2>/dev/null || true
    rm -rf "$TMP"
}
trap cleanup EXIT

# Everything the clients write or read (config, catalog cache, sessions) stays in $TMP.
export XDG_CONFIG_HOME=$TMP/config XDG_CACHE_HOME=$TMP/cache XDG_DATA_HOME=$TMP/data
export XDG_STATE_HOME=$TMP/state HOME=$TMP/home OPENROUTER_API_KEY=sk-flood
mkdir -p "$XDG_CONFIG_HOME" "$XDG_CACHE_HOME" "$XDG_DATA_HOME" "$XDG_STATE_HOME" "$HOME"

PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
URL=http://127.0.0.1:$PORT/api/v1
"$BIN" simulate --port "$PORT" --time-scale 0 --balance 1000000000 >"$TMP/sim.log" 2>&1 &
SIM_PID=$!
for _ in $(seq 100); do
    curl -sf -o /dev/null "$URL/models" && break
    sleep 0.1
done
curl -sf -o /dev/null "$URL/models" || { echo "the simulated gateway did not start" >&2; exit 1; }

prompt() { echo "[sim:flood=$1]${2:+ [sim:$2]} go"; }

echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "commit: $(git -C "$ROOT" rev-parse --short HEAD)$(git -C "$ROOT" diff --quiet HEAD -- src || echo ' + uncommitted changes'), $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "chunks per stream: $CHUNKS; gateway: $URL (its own process, not counted)"
echo

RESULTS=()

# A piped client: CMD... with stdout to /dev/null.
piped() {
    local name=$1 label=$2 chunks=$3
    shift 3
    python3 "$RUN" run "$TMP/$name.json" --sample --label "$label" --chunks "$chunks" -- "$@" >/dev/null
    RESULTS+=("$TMP/$name.json")
}

curl_body() {
    printf '{"model":"demo/fast","stream":true,"messages":[{"role":"user","content":"%s"}]}' "$(prompt "$1")"
}

# The last line of a frame log: kind unix_us draw_us cpu_us chunks.
last_chunks() { tail -n 1 "$1" 2>/dev/null | awk '{ print $5 + 0 }'; }

# Waits until process $1 has used no CPU for half a second (its background work is done).
wait_idle() {
    local pid=$1 before after
    before=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo gone)
    for _ in $(seq 200); do
        sleep 0.5
        after=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo gone)
        [[ $after == "$before" ]] && return 0
        before=$after
    done
}

wait_file() {
    for _ in $(seq 3000); do
        [[ -s $1 ]] && return 0
        sleep 0.1
    done
    echo "timed out waiting for $1" >&2
    return 1
}

# The room in tmux: NAME LABEL CHUNKS PANES [DIRECTIVE]. CHUNKS 0: start, first frame, quit.
room() {
    local name=$1 label=$2 chunks=$3 panes=$4 directive=${5:-} log=$TMP/$1.frames
    local models=() pane_pid pid
    for _ in $(seq "$panes"); do models+=(-m demo/fast); done
    rm -f "$log" "$TMP/$name.json"
    tmux -L "$TMUX_SOCKET" new-session -d -s "$name" -x 200 -y 50 -- \
        env MODELROOM_FRAME_LOG="$log" python3 "$RUN" run "$TMP/$name.json" --label "$label" \
        --streams "$panes" --chunks "$chunks" --frame-log "$log" -- \
        "$BIN" --base-url "$URL" "${models[@]}"
    wait_file "$log"
    pane_pid=$(tmux -L "$TMUX_SOCKET" display -p -t "$name" '#{pane_pid}')
    for _ in $(seq 50); do
        pid=$(pgrep -P "$pane_pid" | head -1 || true)
        [[ -n $pid ]] && break
        sleep 0.1
    done
    until grep -q '^f' "$log"; do sleep 0.05; done
    wait_idle "$pid"
    if (( chunks > 0 )); then
        tmux -L "$TMUX_SOCKET" send-keys -t "$name" -l "$(prompt "$chunks" "$directive")"
        tmux -L "$TMUX_SOCKET" send-keys -t "$name" Enter
        local want=$((chunks * panes))
        for _ in $(seq 12000); do
            (( $(last_chunks "$log") >= want )) && break
            sleep 0.05
        done
        wait_idle "$pid"
    fi
    tmux -L "$TMUX_SOCKET" send-keys -t "$name" C-q
    wait_file "$TMP/$name.json"
    tmux -L "$TMUX_SOCKET" kill-session -t "$name" 2>/dev/null || true
    RESULTS+=("$TMP/$name.json")
}

piped curl "curl, bytes only (the floor)" "$CHUNKS" \
    curl -sN -H "Authorization: Bearer sk-flood" -H "Content-Type: application/json" \
    -d "$(curl_body "$CHUNKS")" "$URL/chat/completions"
# `ask` prints each answer once it is complete, so there is no progress to sample.
python3 "$RUN" run "$TMP/ask.json" --label "modelroom ask, piped" --chunks "$CHUNKS" \
    --note "(ask prints an answer once it is complete: no deciles)" -- \
    "$BIN" --base-url "$URL" ask -m demo/fast "$(prompt "$CHUNKS")" >/dev/null
RESULTS+=("$TMP/ask.json")

if [[ -n $AICHAT && -x $AICHAT ]]; then
    export AICHAT_CONFIG_DIR=$TMP/aichat
    mkdir -p "$AICHAT_CONFIG_DIR"
    cat >"$AICHAT_CONFIG_DIR/config.yaml" <<EOF
model: sim:demo/fast
stream: true
save: false
highlight: true
clients:
- type: openai-compatible
  name: sim
  api_base: $URL
  api_key: sk-flood
  models:
  - name: demo/fast
EOF
    piped aichat "aichat $("$AICHAT" --version | awk '{ print $2 }'), piped" "$CHUNKS" \
        "$AICHAT" "$(prompt "$CHUNKS")"
    tmux -L "$TMUX_SOCKET" new-session -d -s aichat -x 200 -y 50 -- \
        env AICHAT_CONFIG_DIR="$AICHAT_CONFIG_DIR" python3 "$RUN" run "$TMP/aichat-tty.json" \
        --sample --label "aichat, tmux (renders markdown)" --chunks "$CHUNKS" -- \
        "$AICHAT" "$(prompt "$CHUNKS")"
    wait_file "$TMP/aichat-tty.json"
    RESULTS+=("$TMP/aichat-tty.json")
else
    echo "(aichat not found: set AICHAT or put it on PATH to run it side by side)"
fi

# Starting the room once caches the catalog; the measured starts read it from the cache.
room start0 "room start (catalog fetched)" 0 1
for i in $(seq "$STARTS"); do
    room "start$i" "room start (catalog cached)" 0 1
done
for panes in $PANES; do
    room "room$panes" "room, $panes pane(s), tmux" "$CHUNKS" "$panes"
done
if (( ONELINE_CHUNKS > 0 )); then
    room oneline "room, 1 pane, one long line" "$ONELINE_CHUNKS" 1 oneline
fi

python3 "$RUN" report "${RESULTS[@]}"
