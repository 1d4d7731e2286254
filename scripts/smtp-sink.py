#!/usr/bin/env python3
"""An SMTP sink for tests: accepts mail and writes every message to a folder.

Usage:
  smtp-sink.py --port PORT --dir DIR [--reject REGEX] [--defer REGEX] [--auth USER:PASSWORD]

- Listens on 127.0.0.1:PORT (0: a free port chosen by the system). Once listening it prints
  `READY <port>` on standard output, so a test can wait for it and learn the port.
- Every accepted message is written to DIR as NNNN.eml (the exact bytes received), next to
  NNNN.json with the envelope ({"mail_from": ..., "rcpt_tos": [...]}). Files are written to a
  temporary name and renamed, so a reader never sees half a message.
- Recipients matching --reject get `550 5.1.1 <rcpt>: Recipient address rejected: User unknown`;
  recipients matching --defer get `451 4.3.0 <rcpt>: Temporary failure, try again later`.
- --auth requires AUTH PLAIN/LOGIN with these credentials (allowed without TLS: it is a test sink).
- No STARTTLS is offered: a client that requires it must refuse to send.

Needs the PyPI package aiosmtpd (`python3 -m pip install aiosmtpd`).
"""

import argparse
import asyncio
import itertools
import json
import os
import re
import signal
import sys

try:
    from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
except ImportError:
    sys.stderr.write("smtp-sink: the Python package aiosmtpd is missing: python3 -m pip install aiosmtpd\n")
    sys.exit(3)


class Sink:
    def __init__(self, folder, reject, defer):
        self.folder = folder
        self.reject = re.compile(reject) if reject else None
        self.defer = re.compile(defer) if defer else None
        self.counter = itertools.count(1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.reject and self.reject.search(address):
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        if self.defer and self.defer.search(address):
            return f"451 4.3.0 <{address}>: Temporary failure, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        name = f"{next(self.counter):04d}"
        meta = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos}
        self._write(f"{name}.json", json.dumps(meta).encode())
        self._write(f"{name}.eml", envelope.original_content)
        return "250 2.0.0 Ok: queued as " + name

    def _write(self, name, data):
        tmp = os.path.join(self.folder, "." + name + ".tmp")
        with open(tmp, "wb") as f:
            f.write(data)
        os.rename(tmp, os.path.join(self.folder, name))


def authenticator_for(credentials):
    user, _, password = credentials.partition(":")

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == user
            and auth_data.password.decode() == password
        )
        # handled=False: aiosmtpd answers a failure with 535 itself.
        return AuthResult(success=ok, handled=False)

    return authenticate


async def main():
    parser = argparse.ArgumentParser(description="SMTP sink for tests")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--reject", help="regex: recipients answered with 550")
    parser.add_argument("--defer", help="regex: recipients answered with 451")
    parser.add_argument("--auth", help="USER:PASSWORD required to send")
    args = parser.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    handler = Sink(args.dir, args.reject, args.defer)
    options = {"hostname": "sink.test", "ident": "smtp-sink"}
    if args.auth:
        options.update(
            authenticator=authenticator_for(args.auth), auth_required=True, auth_require_tls=False
        )
    loop = asyncio.get_running_loop()
    server = await loop.create_server(lambda: SMTP(handler, **options), "127.0.0.1", args.port)
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    server.close()
    await server.wait_closed()


if __name__ == "__main__":
    asyncio.run(main())
