"""A real SMTP server on loopback for the integration tests (aiosmtpd).

Usage: python3 sink.py DIR. Prints "PORT n" once listening on 127.0.0.1 (a free port). Every
message it accepts is written to DIR as n.json (envelope, headers, decoded text and HTML parts)
beside the raw n.eml. Files in DIR steer it while it runs:
  refuse      its text (e.g. "451 4.3.0 Try again later") is the answer to every RCPT TO
  delay-rcpt  seconds to wait before answering RCPT TO (to catch a sender mid-send)
"""
import asyncio
import email
import email.policy
import json
import os
import socket
import sys
import uuid

from aiosmtpd.smtp import SMTP


def read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read().strip()
    except FileNotFoundError:
        return None


class Sink:
    def __init__(self, folder):
        self.folder = folder

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        delay = read(os.path.join(self.folder, "delay-rcpt"))
        if delay:
            await asyncio.sleep(float(delay))
        refusal = read(os.path.join(self.folder, "refuse"))
        if refusal:
            return refusal
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        name = f"{asyncio.get_running_loop().time():020.6f}-{uuid.uuid4().hex}"
        raw = envelope.original_content or envelope.content
        msg = email.message_from_bytes(raw, policy=email.policy.default)
        text = msg.get_body(("plain",))
        html = msg.get_body(("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "to": str(msg.get("To", "")),
            "from": str(msg.get("From", "")),
            "subject": str(msg.get("Subject", "")),
            "message_id": str(msg.get("Message-ID", "")),
            "list_unsubscribe": str(msg.get("List-Unsubscribe", "")),
            "list_unsubscribe_post": str(msg.get("List-Unsubscribe-Post", "")),
            "text": text.get_content() if text is not None else "",
            "html": html.get_content() if html is not None else "",
        }
        for ext, data in (("eml", raw), ("json", json.dumps(record).encode())):
            tmp = os.path.join(self.folder, f".{name}.{ext}.tmp")
            with open(tmp, "wb") as f:
                f.write(data)
            os.rename(tmp, os.path.join(self.folder, f"{name}.{ext}"))
        return f"250 2.0.0 Ok: queued as {name}"


async def main(folder):
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    handler = Sink(folder)
    server = await asyncio.get_running_loop().create_server(
        lambda: SMTP(handler, hostname="sink.test", decode_data=False), sock=sock
    )
    print(f"PORT {sock.getsockname()[1]}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
