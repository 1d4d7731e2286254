#!/usr/bin/env python3
"""Holds many event streams (`GET /api/v1/events/`) open against one server, for bench/run.sh's
streams_* scenarios; Python's standard library only (asyncio, plain sockets).

Usage: streams.py PORT MANIFEST.json STREAMS STAFF_STREAMS

Logs the seeded staff and up to 500 customers in (the manifest's password; usernames as
ticketing-seed makes them), reads each customer's first page of tickets and prints one JSON line ({"staff_users",
"customer_users"}). Then it reads commands on stdin, one a line, and answers each with one JSON
line on stdout:
  open                  opens STREAMS streams (64 at a time):
                        - STAFF_STREAMS of them staff streams on every ticket (the dashboard),
                          spread over the staff;
                        - the rest customers' streams, spread over the customers: three in four
                          on one of their own tickets (`?ticket=ID`, a ticket page), one in four
                          on all of them (their list);
                        answer: {"opened", "failed", "open_secs", ...}
  latency RATE SECONDS  posts RATE messages a second for SECONDS (as agents, public replies on
                        tickets that probe streams follow) and measures, on the probe streams,
                        the delay from the event's `at` (its commit) to its arrival
  count                 how many streams are still open
  quit                  closes every stream and ends
Every stream reads what arrives (a client that stops reading is a slow client, not an idle
one); only the probe streams (one per staff member and one customer stream per written ticket)
parse it.
"""
import asyncio
import datetime
import http.client
import json
import resource
import sys
import time

HOST = "127.0.0.1"
OPENING = 64  # streams being opened at once
CUSTOMERS = 500  # customers logged in at most (the seed has tickets / 20 of them)


def raise_nofile():
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or hard > soft:
        want = hard if hard != resource.RLIM_INFINITY else 1 << 20
        resource.setrlimit(resource.RLIMIT_NOFILE, (want, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def request(port, method, path, token=None, body=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=30)
    headers = {"content-type": "application/json"}
    if token:
        headers["authorization"] = f"Bearer {token}"
    conn.request(method, path, body=json.dumps(body) if body is not None else None,
                 headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    conn.close()
    if resp.status >= 300:
        raise RuntimeError(f"{method} {path}: {resp.status} {data[:200]!r}")
    return json.loads(data) if data else None


def parse_at(text):
    """RFC 3339 with up to nanoseconds and `Z` -> epoch seconds."""
    date, _, rest = text.partition("T")
    clock = rest.rstrip("Z")
    frac = ""
    if "." in clock:
        clock, frac = clock.split(".", 1)
    dt = datetime.datetime.fromisoformat(f"{date}T{clock}+00:00")
    return dt.timestamp() + (float("0." + frac) if frac else 0.0)


class Stream(asyncio.Protocol):
    """One SSE connection. Non-probe streams only count bytes."""

    def __init__(self, request_bytes, probe, owner):
        self.request = request_bytes
        self.probe = probe
        self.owner = owner
        self.head = b""
        self.status = None
        self.ready = asyncio.get_running_loop().create_future()
        self.open = False
        self.rest = b""
        self.bytes = 0

    def connection_made(self, transport):
        self.transport = transport
        transport.write(self.request)

    def data_received(self, data):
        self.bytes += len(data)
        if self.status is None:
            self.head += data
            end = self.head.find(b"\r\n\r\n")
            if end < 0:
                return
            first = self.head.split(b"\r\n", 1)[0].split()
            self.status = int(first[1]) if len(first) > 1 else 0
            data = self.head[end + 4:]
            self.head = b""
            self.open = self.status == 200
            if not self.ready.done():
                self.ready.set_result(self.status)
            if not self.open:
                self.transport.close()
                return
        if self.probe:
            self.parse(data)

    def parse(self, data):
        now = time.time()
        lines = (self.rest + data).split(b"\n")
        self.rest = lines.pop()
        for line in lines:
            if line.startswith(b"data: {"):
                try:
                    event = json.loads(line[6:])
                except ValueError:
                    continue
                if str(event.get("type", "")).startswith("message") and "at" in event:
                    self.owner.receipt(self, now - parse_at(event["at"]), event)

    def connection_lost(self, exc):
        self.open = False
        if not self.ready.done():
            self.ready.set_result(self.status or 0)


class Holder:
    def __init__(self, port, manifest, streams, staff_streams):
        self.port = port
        self.manifest = manifest
        self.total = streams
        self.staff_total = min(staff_streams, streams)
        self.streams = []
        self.latencies = []
        self.receipts_by_role = {"staff": 0, "customer": 0}
        self.measuring = False

    def receipt(self, stream, delay, event):
        if self.measuring:
            self.latencies.append(delay)
            self.receipts_by_role[stream.role] += 1

    def accounts(self):
        m = self.manifest
        users = int(m["BENCH_USERS"])
        staff = ["admin01", "admin02"] + [f"agent{i:02}" for i in range(1, 19)]
        customers = [f"customer{i:05}" for i in range(1, min(users - len(staff), CUSTOMERS) + 1)]
        password = m["BENCH_PASSWORD"]
        login = lambda u: request(self.port, "POST", "/api/v1/users/auth/login/", body={
            "username": u, "password": password})["access"]
        self.staff = [(u, login(u)) for u in staff]
        self.agents = [t for u, t in self.staff if u.startswith("agent")]
        self.customers = []
        for u in customers:
            token = login(u)
            listed = request(self.port, "GET", "/api/v1/tickets/", token)
            # Tickets an agent can reply to first: the probes (and so the writes) go there.
            tickets = sorted((t["status"] not in ("open", "in_progress"), t["id"]) for t in listed)
            if tickets:
                self.customers.append((u, token, [(not closed, t) for closed, t in tickets]))

    def plan(self):
        """(role, token, ticket or None, probe) for each stream."""
        out = []
        for i in range(self.staff_total):
            _, token = self.staff[i % len(self.staff)]
            out.append(("staff", token, None, i < len(self.staff)))
        probe_tickets = set()
        for i in range(self.total - self.staff_total):
            _, token, tickets = self.customers[i % len(self.customers)]
            n = i // len(self.customers)
            if n % 4 == 3:
                out.append(("customer", token, None, False))
                continue
            writable, ticket = tickets[(n - n // 4) % len(tickets)]
            # One probe per written ticket: the first stream on each of up to 50 open tickets.
            probe = writable and ticket not in probe_tickets and len(probe_tickets) < 50
            if probe:
                probe_tickets.add(ticket)
            out.append(("customer", token, ticket, probe))
        self.probe_tickets = sorted(probe_tickets)
        return out

    async def open_one(self, loop, role, token, ticket, probe, gate):
        path = "/api/v1/events/" + (f"?ticket={ticket}" if ticket else "")
        req = (f"GET {path} HTTP/1.1\r\nHost: {HOST}:{self.port}\r\n"
               f"Authorization: Bearer {token}\r\nAccept: text/event-stream\r\n\r\n").encode()
        async with gate:
            try:
                _, s = await loop.create_connection(lambda: Stream(req, probe, self), HOST,
                                                    self.port)
                s.role = role
                await asyncio.wait_for(s.ready, 30)
            except (OSError, asyncio.TimeoutError) as e:
                return f"{type(e).__name__}: {e}"
        if s.open:
            self.streams.append(s)
            return None
        return f"status {s.status}"

    async def open_all(self):
        loop = asyncio.get_running_loop()
        gate = asyncio.Semaphore(OPENING)
        t0 = time.monotonic()
        results = await asyncio.gather(*(self.open_one(loop, *p, gate) for p in self.plan()))
        failures = [r for r in results if r]
        reasons = {}
        for r in failures:
            reasons[r] = reasons.get(r, 0) + 1
        return {
            "opened": len(self.streams), "failed": len(failures), "failures": reasons,
            "open_secs": round(time.monotonic() - t0, 1),
            "staff_streams": sum(1 for s in self.streams if s.role == "staff"),
            "customer_streams": sum(1 for s in self.streams if s.role == "customer"),
            "staff_users": len(self.staff), "customer_users": len(self.customers),
            "probes": sum(1 for s in self.streams if s.probe),
        }

    async def post(self, reader, writer, token, ticket, n):
        body = json.dumps({"message": f"Reply {n}: we are looking into it."}).encode()
        writer.write((f"POST /api/v1/tickets/{ticket}/messages/ HTTP/1.1\r\nHost: {HOST}\r\n"
                      f"Authorization: Bearer {token}\r\ncontent-type: application/json\r\n"
                      f"content-length: {len(body)}\r\n\r\n").encode() + body)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":", 1)[1])
        await reader.readexactly(length)
        return status

    async def latency(self, rate, secs):
        """`rate` writes a second for `secs`, paced from a schedule (not closed-loop)."""
        count = int(rate * secs)
        writers = 8
        conns = [await asyncio.open_connection(HOST, self.port) for _ in range(writers)]
        queue = asyncio.Queue()
        statuses = {}
        late = []

        async def work(reader, writer):
            while True:
                item = await queue.get()
                if item is None:
                    return
                n, due = item
                late.append(time.monotonic() - due)
                token = self.agents[n % len(self.agents)]
                ticket = self.probe_tickets[n % len(self.probe_tickets)]
                try:
                    st = await self.post(reader, writer, token, ticket, n)
                except (OSError, asyncio.IncompleteReadError) as e:
                    st = type(e).__name__
                statuses[st] = statuses.get(st, 0) + 1

        self.latencies = []
        self.receipts_by_role = {"staff": 0, "customer": 0}
        self.measuring = True
        tasks = [asyncio.create_task(work(r, w)) for r, w in conns]
        t0 = time.monotonic()
        for n in range(count):
            due = t0 + n / rate
            delay = due - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            queue.put_nowait((n, due))
        for _ in tasks:
            queue.put_nowait(None)
        await asyncio.gather(*tasks)
        elapsed = time.monotonic() - t0
        await asyncio.sleep(2)  # the last events' way to the streams
        self.measuring = False
        for _, w in conns:
            w.close()
        lat = sorted(self.latencies)
        staff_probes = sum(1 for s in self.streams if s.probe and s.role == "staff" and s.open)
        cust_probes = sum(1 for s in self.streams if s.probe and s.role == "customer" and s.open)
        # Every write reaches every staff probe, and the one customer probe on its ticket.
        done = statuses.get(201, 0)
        expected = done * staff_probes + done * (1 if cust_probes else 0)

        def pct(p):
            return round(lat[min(len(lat) - 1, int(p * len(lat)))] * 1000, 2) if lat else None

        return {
            "writes": count, "write_secs": round(elapsed, 1),
            "writes_per_s": round(count / elapsed, 1), "statuses": statuses,
            "max_write_start_late_ms": round(max(late) * 1000, 1) if late else None,
            "receipts": len(lat), "expected_receipts": expected,
            "receipts_by_role": self.receipts_by_role,
            "p50_ms": pct(0.50), "p90_ms": pct(0.90), "p99_ms": pct(0.99),
            "max_ms": round(lat[-1] * 1000, 2) if lat else None,
            "open": sum(1 for s in self.streams if s.open),
        }


async def main():
    port, manifest_path, streams, staff_streams = sys.argv[1:5]
    limit = raise_nofile()
    holder = Holder(int(port), json.load(open(manifest_path)), int(streams), int(staff_streams))
    holder.accounts()
    print(json.dumps({"staff_users": len(holder.staff),
                      "customer_users": len(holder.customers)}), flush=True)
    loop = asyncio.get_running_loop()
    reader = asyncio.StreamReader()
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(reader), sys.stdin)
    while True:
        line = (await reader.readline()).decode().split()
        if not line or line[0] == "quit":
            break
        if line[0] == "open":
            out = await holder.open_all()
            out["client_nofile"] = limit
        elif line[0] == "count":
            out = {"open": sum(1 for s in holder.streams if s.open)}
        elif line[0] == "latency":
            out = await holder.latency(float(line[1]), float(line[2]))
        else:
            out = {"error": f"unknown command {line[0]}"}
        print(json.dumps(out), flush=True)
    for s in holder.streams:
        s.transport.close()


if __name__ == "__main__":
    asyncio.run(main())
