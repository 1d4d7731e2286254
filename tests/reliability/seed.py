#!/usr/bin/env python3
"""Seeds a running test server for schemathesis and writes its config.

Usage: seed.py BASE_URL OUT_DIR

Logs in the accounts made with the CLI (st_customer, st_other, st_agent, st_admin, st_victim,
st_reader), creates tickets, messages, an internal note and attachments, and a `read` API token
of st_reader (an agent: the token may read everything staff see, and write nothing), then writes:
  OUT_DIR/tokens.env        CUSTOMER_TOKEN=... AGENT_TOKEN=... ADMIN_TOKEN=... READ_TOKEN=tkt_...
  OUT_DIR/schemathesis.toml path parameters pointing at the seeded resources, so that the
                            generated requests reach real tickets, not only 404s
"""

import json
import sys

import requests

PASSWORD = "reliability passphrase 42"


def main() -> None:
    base, out = sys.argv[1].rstrip("/"), sys.argv[2]
    s = requests.Session()

    def call(method, path, token=None, expect=(200, 201, 204), **kw):
        headers = kw.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        r = s.request(method, base + path, headers=headers, timeout=30, **kw)
        if r.status_code not in expect:
            sys.exit(f"seed: {method} {path} -> {r.status_code} {r.text[:300]}")
        return r.json() if r.content and "json" in r.headers.get("content-type", "") else None

    def login(name):
        return call("POST", "/api/v1/users/auth/login/", json={"username": name, "password": PASSWORD})["access"]

    tok = {n: login(f"st_{n}") for n in ("customer", "other", "agent", "admin", "victim", "reader")}
    # The read-only API token: no other role's run signs in as st_reader, so none can revoke it.
    read_token = call("POST", "/api/v1/users/profile/tokens/", tok["reader"],
                      json={"name": "schemathesis", "scope": "read"})["token"]
    if not read_token.startswith("tkt_"):
        sys.exit(f"seed: the API token does not look like one: {read_token[:8]}...")
    victim = call("GET", "/api/v1/users/profile/", tok["victim"])["id"]

    def ticket(token, topic):
        return call("POST", "/api/v1/tickets/", token,
                    json={"topic": topic, "description": f"About {topic} ✓ — مرحبا"})["id"]

    t_main = ticket(tok["customer"], "Printer on fire")
    t_delete = ticket(tok["customer"], "To be deleted")
    t_patch = ticket(tok["customer"], "To be patched")
    t_foreign = ticket(tok["other"], "Someone else's ticket")
    for t in (t_main, t_patch):
        call("POST", f"/api/v1/tickets/{t}/messages/", tok["customer"], json={"message": "Any news?"})
        call("POST", f"/api/v1/tickets/{t}/messages/", tok["agent"], json={"message": "Looking at it"})
        call("POST", f"/api/v1/tickets/{t}/messages/", tok["agent"],
             json={"message": "internal: customer is VIP", "internal": True})
    call("PATCH", f"/api/v1/tickets/{t_main}/", tok["agent"],
         json={"priority": "high", "status": "in_progress"})

    def upload(token, t, name, ctype, data):
        return call("POST", f"/api/v1/tickets/{t}/attachments/", token,
                    files={"file": (name, data, ctype)})["id"]

    a_main = upload(tok["customer"], t_main, "log.txt", "text/plain", b"hello\n")
    upload(tok["customer"], t_main, "scan.pdf", "application/pdf", b"%PDF-1.4\n")
    upload(tok["customer"], t_main, "page.html", "text/html", b"<script>alert(1)</script>")
    a_delete = upload(tok["customer"], t_main, "remove-me.bin", "application/octet-stream", b"\0" * 64)

    with open(f"{out}/tokens.env", "w") as f:
        for role in ("customer", "agent", "admin"):
            f.write(f"{role.upper()}_TOKEN={tok[role]}\n")
        f.write(f"READ_TOKEN={read_token}\n")
    seeded = {"ticket": t_main, "foreign_ticket": t_foreign, "delete_ticket": t_delete,
              "patch_ticket": t_patch, "attachment": a_main, "delete_attachment": a_delete,
              "victim": victim}
    with open(f"{out}/seeded.json", "w") as f:
        json.dump(seeded, f)

    # Path parameters: every operation on {id} works on the main ticket, except the ones that
    # would destroy it for the others (delete, patch/put, attachment removal, user changes).
    #
    # `cursor` is always sent empty (no cursor): a cursor is opaque, it only comes from a `Link`
    # header and is valid with its own list and ordering only, which no schema can state. `q` is
    # sent empty (no search) too: the server's search text needs a Unicode letter or digit (é,
    # 日本 count), while a JSON Schema pattern is an ECMA regex whose `\w` is ASCII only, so the
    # documented pattern cannot be exact and schemathesis would flag a non-ASCII letter as
    # "schema-violating request accepted"; the search rules have their own tests. Every other
    # list parameter is generated from the document and must be accepted as generated.
    #
    # `tolerate`: statuses that positive_data_acceptance accepts besides its defaults (2xx, 401,
    # 403, 404, 409, 429), only where a rule cannot be stated in JSON Schema, each named:
    #   register, change-password, user creation: the password policy (not common, not entirely
    #     numeric, not like the username or the email) and, for the change, the current password;
    #   login: "an email or a username" (one of two optional fields);
    #   ticket updates: the assignee must be active staff (a rule about another resource);
    #     If-Match must name the current version (412, the state of the ticket);
    #   uploads: message_id must be a message of this ticket and come before the file.
    ops = [
        ("/api/v1/users/auth/register/", None, {}, ["400"]),
        ("/api/v1/users/auth/login/", None, {}, ["400"]),
        ("/api/v1/users/profile/change-password/", None, {}, ["400"]),
        ("/api/v1/users/", "POST", {}, ["400"]),
        ("/api/v1/tickets/{id}/", "DELETE", {"path.id": t_delete}, []),
        ("/api/v1/tickets/{id}/", ["PATCH", "PUT"], {"path.id": t_patch}, ["400", "412"]),
        ("/api/v1/tickets/{id}/attachments/", "POST", {}, ["400"]),
        ("/api/v1/tickets/{id}/attachments/{aid}/", "DELETE",
         {"path.id": t_main, "path.aid": a_delete}, []),
        ("/api/v1/users/{id}/", None, {"path.id": victim}, []),
    ]
    defaults = ["2xx", "401", "403", "404", "409", "429"]
    # negative_data_rejection: an `If-Match` outside the documented pattern (say `"abc"` or
    # `{}`) names no version of the ticket, and RFC 9110 answers a failed If-Match with 412, not
    # 400: 412 is a rejection too for the ticket updates.
    write_config(f"{out}/schemathesis.toml", ops, defaults,
                 {"path.id": t_main, "path.aid": a_main, "query.cursor": "", "query.q": ""})
    # The stateful phase follows links from created resources: no fixed ids there.
    write_config(f"{out}/schemathesis-stateful.toml", [(p, m, {}, t) for p, m, _, t in ops if t],
                 defaults, {"query.cursor": "", "query.q": ""})
    print(json.dumps(seeded))


# schemathesis' own expected statuses of negative_data_rejection (4.32.5).
NEGATIVE_DEFAULTS = ["400", "401", "403", "404", "405", "406", "409", "415", "422", "428", "429", "5xx"]


def write_config(path, ops, defaults, fixed):
    def toml(v):
        return json.dumps(v)

    lines = []
    if fixed:
        lines.append("[parameters]")
        lines += [f"{toml(k)} = {toml(v)}" for k, v in fixed.items()]
        lines.append("")
    for path_, method, params, tolerate in ops:
        lines.append("[[operations]]")
        lines.append(f"include-path = {toml(path_)}")
        if method:
            lines.append(f"include-method = {toml(method)}")
        if params:
            inline = ", ".join(f"{toml(k)} = {toml(v)}" for k, v in params.items())
            lines.append(f"parameters = {{ {inline} }}")
        if tolerate:
            lines.append(f"checks.positive_data_acceptance.expected-statuses = {toml(defaults + tolerate)}")
        if "412" in tolerate:
            lines.append("checks.negative_data_rejection.expected-statuses = "
                         f"{toml(NEGATIVE_DEFAULTS + ['412'])}")
        lines.append("")
    with open(path, "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main()
