#!/usr/bin/env python3
"""pgbench `-D` arguments (one per line) for the scripts in bench/pgbench/, from a seeded
database and its manifest: the users, tickets and cursor the wrk scenarios use.

Usage: pgbench_vars.py DATABASE_URL MANIFEST_JSON
"""
import base64
import datetime
import json
import subprocess
import sys
import uuid

url, manifest_path = sys.argv[1:3]
m = json.load(open(manifest_path))


def sql(query):
    return subprocess.run(["psql", url, "-Atc", query], check=True, capture_output=True,
                          text=True).stdout.strip()


def user_id(name):
    return sql(f"select id from users where username_key = '{name}'")


# The deep cursor: base64url("1|-created_at|t<micros>|<uuid simple>").
raw = m["BENCH_DEEP_CURSOR"]
plain = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
_, _, key, simple = plain.split("|")
micros = int(key[1:])
deep_time = (datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
             + datetime.timedelta(microseconds=micros)).isoformat()
targets = m["BENCH_POST_TICKETS"].split()


def tsquery(raw):
    """The tsquery the server sends for the search `raw` (every term a prefix, all required)."""
    terms = [t for t in "".join(c if c.isalnum() else " " for c in raw.lower()).split()]
    return " & ".join(f"'{t}':*" for t in terms)


values = {
    "staff": user_id(m["BENCH_AGENT"]),
    "customer": user_id(m["BENCH_CUSTOMER"]),
    "login": m["BENCH_AGENT"],
    "ticket": m["BENCH_DETAIL_TICKET"],
    "deep_time": deep_time,
    "deep_id": str(uuid.UUID(simple)),
    "targets": "{" + ",".join(targets) + "}",
    "ntargets": str(len(targets)),
    "tsq": tsquery(m["BENCH_SEARCH"]),
    "tsq_rare": tsquery(m.get("BENCH_SEARCH_RARE", m["BENCH_SEARCH"])),
    "tsq_common": tsquery(m.get("BENCH_SEARCH_COMMON", m["BENCH_SEARCH"])),
}
for k, v in values.items():
    print(f"-D{k}={v}")
