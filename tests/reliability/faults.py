#!/usr/bin/env python3
"""Helper of faults.sh: load generation, readiness watching and the checks after each fault.

  faults.py login BASE USERNAME                          -> prints an access token
  faults.py load BASE TOKEN TICKET SECONDS WORKERS OUT   -> JSON lines of every request
  faults.py analyze-outage OUT OUTAGE_START OUTAGE_END DB_TOPICS DB_MESSAGES BOUND
  faults.py sqlite-check DB                              -> PRAGMA integrity_check must be ok
  faults.py attachments-check DATA_DIR                   -> files on disk == attachment rows

Every check prints what it counted and exits 1 on a failure.
"""

import json
import os
import sqlite3
import sys
import threading
import time

import requests

PASSWORD = "reliability passphrase 42"
TIMEOUT = 60  # a request taking longer than this is a hang


def login(base, username):
    r = requests.post(f"{base}/api/v1/users/auth/login/",
                      json={"username": username, "password": PASSWORD}, timeout=30)
    r.raise_for_status()
    print(r.json()["access"])


def load(base, token, ticket, seconds, workers, out):
    """Workers create tickets and post messages until `seconds` pass; a watcher polls /readyz.
    Every request is recorded: kind, marker, status, content type, start and duration."""
    seconds, workers = float(seconds), int(workers)
    deadline = time.time() + seconds
    records, lock = [], threading.Lock()
    headers = {"Authorization": f"Bearer {token}"}

    def record(**r):
        with lock:
            records.append(r)

    def worker(n):
        s = requests.Session()
        i = 0
        while time.time() < deadline:
            i += 1
            if i % 2:
                kind, marker = "ticket", f"fault-t-{n}-{i}"
                url, body = f"{base}/api/v1/tickets/", {"topic": marker, "description": "load"}
            else:
                kind, marker = "message", f"fault-m-{n}-{i}"
                url, body = f"{base}/api/v1/tickets/{ticket}/messages/", {"message": marker}
            started = time.time()
            try:
                res = s.post(url, json=body, headers=headers, timeout=TIMEOUT)
                status, ctype, text = res.status_code, res.headers.get("content-type", ""), res.text[:300]
            except requests.RequestException as e:
                status, ctype, text = 0, "", f"{type(e).__name__}: {e}"[:300]
            record(kind=kind, marker=marker, status=status, ctype=ctype, text=text,
                   started=started, elapsed=time.time() - started)
            if status == 503:
                time.sleep(0.05)

    def watcher():
        s = requests.Session()
        while time.time() < deadline:
            started = time.time()
            try:
                status = s.get(f"{base}/readyz", timeout=TIMEOUT).status_code
            except requests.RequestException:
                status = 0
            record(kind="readyz", marker="", status=status, ctype="", text="",
                   started=started, elapsed=time.time() - started)
            time.sleep(0.25)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(workers)]
    threads.append(threading.Thread(target=watcher))
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with open(out, "w") as f:
        for r in records:
            f.write(json.dumps(r) + "\n")
    print(f"load: {len(records)} requests recorded")


def analyze_outage(out, outage_start, outage_end, db_topics, db_messages, bound):
    outage_start, outage_end, bound = float(outage_start), float(outage_end), float(bound)
    records = [json.loads(line) for line in open(out)]
    topics = set(open(db_topics).read().split())
    messages = set(open(db_messages).read().split())
    failures = []
    writes = [r for r in records if r["kind"] != "readyz"]
    ready = [r for r in records if r["kind"] == "readyz"]
    by_status = {}
    for r in writes:
        by_status[r["status"]] = by_status.get(r["status"], 0) + 1
    print(f"requests during the run: {len(writes)} writes, {len(ready)} readiness probes; "
          f"statuses {dict(sorted(by_status.items()))}")

    # 1. Only 2xx or 503 problem+json; never a hang.
    for r in writes:
        ok = 200 <= r["status"] < 300 or (
            r["status"] == 503 and r["ctype"].startswith("application/problem+json")
            and '"code":"unavailable"' in r["text"])
        if not ok:
            failures.append(f"unexpected answer {r['status']} {r['ctype']} to {r['kind']} "
                            f"{r['marker']}: {r['text']}")
    slowest = max((r["elapsed"] for r in writes), default=0)
    print(f"slowest answer: {slowest:.2f} s (bound {bound:.0f} s)")
    if slowest > bound:
        failures.append(f"an answer took {slowest:.1f} s (more than {bound} s)")

    # 2. The outage was seen: 503s and /readyz 503 while PostgreSQL was down.
    during = [r for r in writes if outage_start <= r["started"] < outage_end]
    unavailable = sum(1 for r in during if r["status"] == 503)
    print(f"during the outage: {len(during)} writes, {unavailable} answered 503")
    if not during or unavailable == 0:
        failures.append("no 503 during the outage")
    # Probes that started and ended while it was down (a probe waiting for a pooled connection
    # when PostgreSQL comes back rightly succeeds).
    ready_down = [r["status"] for r in ready
                  if r["started"] >= outage_start and r["started"] + r["elapsed"] < outage_end]
    print(f"/readyz during the outage: {sorted(set(ready_down))}")
    if not ready_down or any(s != 503 for s in ready_down):
        failures.append(f"/readyz during the outage answered {sorted(set(ready_down))}, not only 503")

    # 3. Recovery without a restart: after the outage, writes succeed again and /readyz is 200.
    recovered = [r for r in writes if r["started"] > outage_end and 200 <= r["status"] < 300]
    first = min((r["started"] for r in recovered), default=None)
    if first is None:
        failures.append("no write succeeded after PostgreSQL came back")
    else:
        print(f"first successful write {first - outage_end:.2f} s after PostgreSQL was back")
        late = [r for r in writes if r["started"] > first + 5]
        bad_late = [r for r in late if not 200 <= r["status"] < 300]
        print(f"writes from 5 s after recovery on: {len(late)}, failed: {len(bad_late)}")
        if bad_late:
            failures.append(f"{len(bad_late)} writes still failed 5 s after recovery")
    ready_after = [r["status"] for r in ready if r["started"] > outage_end + 5]
    if not ready_after or ready_after[-1] != 200:
        failures.append(f"/readyz after recovery: {ready_after[-3:]}")

    # 4. Every acknowledged write is in the database.
    acked_t = {r["marker"] for r in writes if r["kind"] == "ticket" and 200 <= r["status"] < 300}
    acked_m = {r["marker"] for r in writes if r["kind"] == "message" and 200 <= r["status"] < 300}
    lost_t, lost_m = acked_t - topics, acked_m - messages
    print(f"acknowledged: {len(acked_t)} tickets, {len(acked_m)} messages; in the database: "
          f"{len(topics)} tickets, {len(messages)} messages; missing: {len(lost_t)} + {len(lost_m)}; "
          f"stored but answered with an error: {len(topics - acked_t)} + {len(messages - acked_m)}")
    if lost_t or lost_m:
        failures.append(f"acknowledged writes missing from the database: {sorted(lost_t | lost_m)[:10]}")
    print(json.dumps({"writes": len(writes), "acked_tickets": len(acked_t),
                      "acked_messages": len(acked_m), "rows_tickets": len(topics),
                      "rows_messages": len(messages), "unavailable": unavailable,
                      "stored_but_refused": len(topics - acked_t) + len(messages - acked_m),
                      "slowest": round(slowest, 2)}))
    finish(failures)


def sqlite_check(db):
    # On a read-only filesystem a WAL database opens only as immutable (no -shm to write).
    writable = os.access(os.path.dirname(db), os.W_OK) and not os.statvfs(db).f_flag & os.ST_RDONLY
    con = sqlite3.connect(f"file:{db}?mode=ro" + ("" if writable else "&immutable=1"), uri=True)
    result = con.execute("PRAGMA integrity_check").fetchall()
    fk = con.execute("PRAGMA foreign_key_check").fetchall()
    counts = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("users", "tickets", "messages", "attachments", "activities")}
    con.close()
    print(f"integrity_check: {result}; foreign_key_check: {len(fk)} problems; rows: {counts}")
    failures = []
    if result != [("ok",)]:
        failures.append(f"integrity_check: {result}")
    if fk:
        failures.append(f"foreign_key_check: {fk[:5]}")
    finish(failures)


def attachments_check(data_dir):
    root = os.path.join(data_dir, "attachments")
    on_disk = {}
    temp = []
    for dirpath, _, files in os.walk(os.path.join(root, "files")):
        for name in files:
            if "#" in name:  # an unfinished upload (object_store's staging file)
                temp.append(name)
                continue
            path = os.path.join(dirpath, name)
            key = os.path.relpath(path, os.path.join(root, "files"))
            on_disk[key] = os.path.getsize(path)
    for dirpath, _, files in os.walk(os.path.join(root, "tmp")):  # older versions
        temp += files
    con = sqlite3.connect(f"file:{os.path.join(data_dir, 'ticketing.db')}?mode=ro", uri=True)
    rows = dict(con.execute("SELECT storage_key, size FROM attachments").fetchall())
    con.close()
    orphans = set(on_disk) - set(rows)
    missing = set(rows) - set(on_disk)
    wrong_size = [k for k in set(rows) & set(on_disk) if rows[k] != on_disk[k]]
    print(f"attachment rows: {len(rows)}; files: {len(on_disk)}; temp files: {len(temp)}; "
          f"orphan files: {len(orphans)}; rows without a file: {len(missing)}; "
          f"size mismatches: {len(wrong_size)}")
    failures = []
    if orphans:
        failures.append(f"orphan files: {sorted(orphans)[:5]}")
    if missing:
        failures.append(f"rows without their file: {sorted(missing)[:5]}")
    if wrong_size:
        failures.append(f"files of the wrong size: {wrong_size[:5]}")
    if temp:
        failures.append(f"temp files left: {temp[:5]}")
    finish(failures)


def finish(failures):
    for f in failures:
        print(f"FAILED: {f}", file=sys.stderr)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"login": login, "load": load, "analyze-outage": analyze_outage,
     "sqlite-check": sqlite_check, "attachments-check": attachments_check}[cmd](*args)
