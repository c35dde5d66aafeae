#!/usr/bin/env python3
"""Measuring half of benches/flood.sh (the shell script runs the cases).

`flood_run.py run OUT.json [--sample] [--label L] [--streams N] [--frame-log F] [--chunks N] -- CMD ...` starts CMD as a child, waits for it with
wait4(2) and writes the kernel's accounting of the finished process: CPU time (user + system,
every thread, in microseconds) and peak RSS. With --sample it also reads /proc/PID every 5 ms:
CPU time of every thread (schedstat, nanoseconds) and bytes written (io wchar: what a piped
client has printed, which is how far it has got through the stream; socket reads are not
counted there), for the per-chunk cost by decile.

`flood_run.py report RESULT.json ...` prints one row per case. For the room, whose
frames are logged by the room itself (MODELROOM_FRAME_LOG), the row also gives the cost of the
stream alone (CPU from the first chunk to the last over the chunks), its deciles from the
chunk counts in the log, and the frames drawn while it streamed: how long drawing one took
(p50, p99, max) and the longest time between two. When aichat ran too, it ends with `ask` and
the room as shares of aichat's cost in the same run, against issue 10's targets as shares.
"""

import json
import os
import sys
import time


def task_cpu_ns(pid):
    total = 0
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return None
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
                total += int(f.read().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total


def wchar(pid):
    try:
        with open(f"/proc/{pid}/io") as f:
            for line in f:
                if line.startswith("wchar:"):
                    return int(line.split()[1])
    except OSError:
        return None
    return None


def run(argv):
    out = argv[0]
    opts = argv[1:argv.index("--")]
    cmd = argv[argv.index("--") + 1:]
    sample = "--sample" in opts

    def opt(name, default=None):
        return opts[opts.index(name) + 1] if name in opts else default
    t0 = time.time_ns()
    pid = os.fork()
    if pid == 0:
        try:
            os.execvp(cmd[0], cmd)
        finally:
            os._exit(127)
    samples = []
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG if sample else 0)
        if done:
            break
        cpu, written = task_cpu_ns(pid), wchar(pid)
        if cpu is not None and written is not None:
            samples.append([time.time_ns(), cpu, written])
        time.sleep(0.005)
    wall = time.time_ns() - t0
    result = {
        "label": opt("--label", os.path.basename(cmd[0])),
        "streams": int(opt("--streams", "1")),
        "chunks": int(opt("--chunks", "0")),
        "frame_log": opt("--frame-log"),
        "note": opt("--note"),
        "t0_unix_us": t0 // 1000,
        "wall_us": wall // 1000,
        "cpu_us": round((usage.ru_utime + usage.ru_stime) * 1e6),
        "peak_rss_kb": usage.ru_maxrss,
        "status": os.waitstatus_to_exitcode(status),
        "samples": samples,
    }
    with open(out, "w") as f:
        json.dump(result, f)
    return result["status"]


def interp(points, x):
    """y at x on the polyline `points` (sorted by x)."""
    for (x0, y0), (x1, y1) in zip(points, points[1:]):
        if x0 <= x <= x1:
            return y0 if x1 == x0 else y0 + (y1 - y0) * (x - x0) / (x1 - x0)
    return points[-1][1] if x > points[-1][0] else points[0][1]


def deciles(points, total_x, per):
    """Cost per unit in each tenth of `total_x`, from (progress, cpu_us) points."""
    if len(points) < 12:
        return None
    edges = [interp(points, total_x * k / 10) for k in range(11)]
    return [(b - a) / per for a, b in zip(edges, edges[1:])]


def percentile(values, p):
    if not values:
        return float("nan")
    values = sorted(values)
    return values[min(len(values) - 1, int(p / 100 * len(values)))]


def frames(path):
    """Lines of a room's frame log: (kind, unix_us, draw_us, cpu_us, chunks, draw_cpu_us)."""
    rows = []
    with open(path) as f:
        for line in f:
            if line.startswith("#"):
                continue
            kind, *nums = line.split()
            rows.append((kind, *map(int, nums)))
    return rows


def report(argv):
    cost = {}
    print(f"{'case':<34} {'chunks':>7} {'CPU/chunk':>10} {'stream/chunk':>12} {'peak RSS':>8} "
          f"{'frames: p50/p99/max, longest gap (CPU)':>33}  per-chunk µs by decile of the stream")
    for path in argv:
        with open(path) as f:
            r = json.load(f)
        n = r["chunks"] * r["streams"]
        log = r.get("frame_log")
        if n == 0:
            first = next((row for row in frames(log) if row[0] == "f"), None) if log else None
            if first:
                print(f"{r['label']:<34} first frame {(first[1] - r['t0_unix_us']) / 1000:.1f} ms "
                      f"after start, CPU {first[3] / 1000:.1f} ms by then; whole run CPU "
                      f"{r['cpu_us'] / 1000:.0f} ms, peak RSS {r['peak_rss_kb'] / 1024:.0f} MB")
            continue
        whole = r["cpu_us"] / n
        cost[os.path.basename(path).removesuffix(".json")] = whole
        rss = f"{r['peak_rss_kb'] / 1024:.0f} MB"
        stream, frame, decs = "", "", r.get("note") or "(too short to sample)"
        dec = None
        if log and os.path.exists(log):
            rows = frames(log)
            first = next((row for row in rows if row[4] > 0), None)
            last = next((row for row in rows if row[4] >= n), None)
            before = [row for row in rows if row[4] == 0]
            if first and last and before:
                start = before[-1]
                stream = f"{(last[3] - start[3]) / n:.2f} µs"
                points = [(0, start[3])] + [(row[4], row[3]) for row in rows
                                            if 0 < row[4] and row[1] <= last[1]]
                dec = deciles(points, n, n / 10)
            end = (last or rows[-1])[1]
            shown = [row for row in rows if row[0] == "f" and first and first[1] <= row[1] <= end]
            drawn = [row[2] / 1000 for row in shown]
            gaps = [(b[1] - a[1]) / 1000 for a, b in zip(shown, shown[1:])]
            if drawn:
                frame = (f"{percentile(drawn, 50):.1f}/{percentile(drawn, 99):.1f}/"
                         f"{max(drawn):.1f} ms, {max(gaps, default=0):.0f} ms")
                # The UI thread's own CPU per frame (wall time includes being descheduled).
                ran = [row[5] / 1000 for row in shown if len(row) > 5]
                if ran:
                    frame += (f" (CPU {percentile(ran, 50):.1f}/{percentile(ran, 99):.1f}/"
                              f"{max(ran):.1f})")
        elif r["samples"]:
            s = r["samples"]
            total = s[-1][2]
            points = [(written, cpu / 1000) for _, cpu, written in s]
            dec = deciles(points, total, n / 10)
        if dec:
            decs = " ".join(f"{d:.2f}" for d in dec)
        print(f"{r['label']:<34} {n:>7} {whole:>7.2f} µs {stream:>12} {rss:>8} {frame:>33}  {decs}")
    ratios(cost)


# Issue 10's targets were set on a machine where aichat 0.30 took 5.2 µs a chunk piped and
# 10.8 µs in tmux: 2 and 4 µs there are these shares of aichat measured beside it.
TARGETS = [("ask", "aichat", 2.0 / 5.2, "`ask` piped against aichat piped"),
           ("room1", "aichat-tty", 4.0 / 10.8, "the room, 1 pane, against aichat in tmux")]


def ratios(cost):
    """The CPU per chunk of ours over aichat's in the same run (`cost`: per chunk by result
    name): on a shared machine whose speed moves from one minute to the next, the share is
    what can be compared."""
    lines = [(ours, peer, target, what) for ours, peer, target, what in TARGETS
             if ours in cost and peer in cost]
    if lines:
        print()
    for ours, peer, target, what in lines:
        share = cost[ours] / cost[peer]
        print(f"{what}: {share:.2f}× ({cost[ours]:.2f} / {cost[peer]:.2f} µs); the issue's "
              f"target is {target:.2f}× ({'met' if share <= target else 'NOT met'})")


def main():
    if len(sys.argv) > 2 and sys.argv[1] == "run":
        sys.exit(run(sys.argv[2:]))
    if len(sys.argv) > 2 and sys.argv[1] == "report":
        return report(sys.argv[2:])
    print(__doc__, file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
