#!/usr/bin/env python3
"""Turns wrk output (stdin, from bench/wrk.lua) into one JSON result line.

Usage: result.py DB SIZE SCENARIO CONNECTIONS CPU_TICKS HWM_KB RSS_KB LOAD < wrk-output
"""
import json
import sys

db, size, name, conns, ticks, hwm, rss, load = sys.argv[1:9]
text = sys.stdin.read()
line = next((l for l in text.splitlines() if l.startswith("RESULT ")), None)
if line is None:
    print(json.dumps({"db": db, "size": int(size), "scenario": name, "error": text[-400:]}))
    sys.exit(0)
r = json.loads(line[len("RESULT "):])
secs = r["duration_us"] / 1e6
ticks = int(ticks or 0)
r.update(
    db=db, size=int(size), scenario=name, connections=int(conns),
    rps=round(r["requests"] / secs, 1), cpu_s=ticks / 100,
    cpu_cores=round(ticks / 100 / secs, 2), hwm_kb=int(hwm or 0), rss_kb=int(rss or 0),
    load_before=float(load),
)
print(json.dumps(r))
