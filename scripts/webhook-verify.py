#!/usr/bin/env python3
"""Verifies one webhook delivery with the Standard Webhooks reference library, or with the
Python example of docs/api-guide.md (the ```python block after its
`<!-- webhook-verify-example -->` line). Used by the tests of crates/webhooks.

    webhook-verify.py [--doc-example docs/api-guide.md] < delivery.json

delivery.json: {"secret": "whsec_...", "headers": {"webhook-id": ..., ...}, "body_base64": "..."}

Exit status: 0 verified, 1 refused (the reason on stderr), 2 usage or set-up error.
Needs `pip install standardwebhooks` (not for --doc-example).
"""
import argparse
import base64
import json
import re
import sys


def die(message):
    print(f"webhook-verify: {message}", file=sys.stderr)
    sys.exit(2)


def with_reference(secret, headers, body):
    try:
        from standardwebhooks.webhooks import Webhook, WebhookVerificationError
    except ImportError:
        die("the standardwebhooks package is missing: pip install standardwebhooks")
    try:
        Webhook(secret).verify(body, headers)
        return True
    except WebhookVerificationError as e:
        print(f"refused: {e}", file=sys.stderr)
        return False


def with_doc_example(path, secret, headers, body):
    with open(path, encoding="utf-8") as f:
        blocks = re.findall(
            r"^<!-- webhook-verify-example[^\n]*-->\n```python\n(.*?)^```$", f.read(), re.M | re.S
        )
    if len(blocks) != 1:
        die(f"{path}: expected exactly one python code block after <!-- webhook-verify-example -->, found {len(blocks)}")
    scope = {}
    exec(blocks[0], scope)  # noqa: S102 - our own documentation
    lower = {name.lower(): value for name, value in headers.items()}
    if scope["verify_webhook"](secret, lower, body):
        return True
    print("refused: verify_webhook returned False", file=sys.stderr)
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--doc-example", metavar="MARKDOWN")
    args = parser.parse_args()
    try:
        delivery = json.load(sys.stdin)
        secret, headers = delivery["secret"], delivery["headers"]
        body = base64.b64decode(delivery["body_base64"])
        if args.doc_example:
            ok = with_doc_example(args.doc_example, secret, headers, body)
        else:
            ok = with_reference(secret, headers, body)
    except Exception as e:  # a crash is not a refusal
        die(f"{type(e).__name__}: {e}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
