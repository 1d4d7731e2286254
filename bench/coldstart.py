#!/usr/bin/env python3
"""Cold start to ready: time from exec of the server to the first 200 on /readyz.

Usage: coldstart.py PORT RUNS -- SERVER_COMMAND...   (environment passed through)
Prints one JSON line: {"runs_ms": [...], "median_ms": ...}. Each run starts the server, polls
/readyz over a raw socket every millisecond, then stops it with SIGTERM.
"""
import json
import signal
import socket
import subprocess
import sys
import time


def ready(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2) as s:
            s.sendall(b"GET /readyz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            head = s.recv(64)
            return head.startswith(b"HTTP/1.1 200")
    except OSError:
        return False


def main():
    port = int(sys.argv[1])
    runs = int(sys.argv[2])
    cmd = sys.argv[sys.argv.index("--") + 1:]
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = start + 120
        ok = False
        while time.perf_counter() < deadline:
            if ready(port):
                ok = True
                break
            if proc.poll() is not None:
                break
            time.sleep(0.001)
        elapsed = (time.perf_counter() - start) * 1000
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if not ok:
            print(json.dumps({"error": "server never became ready"}))
            sys.exit(1)
        times.append(round(elapsed, 1))
        time.sleep(0.2)
    ordered = sorted(times)
    print(json.dumps({"runs_ms": times, "median_ms": ordered[len(ordered) // 2]}))


if __name__ == "__main__":
    main()
