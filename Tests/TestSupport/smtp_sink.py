#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) for SMTPClientTests that records what it receives.

Prints the port it listens on (127.0.0.1) as one line on stdout once ready, and exits
when stdin closes, so it cannot outlive the test process that started it.

For each accepted message, DIR gets N.eml (the message as received, dot-stuffing undone)
and a JSON line in DIR/messages.jsonl: the envelope, the AUTH login and mechanism, whether
the session was encrypted, the headers as Python's email package decodes them, both bodies
decoded, any parse defects, and the raw message's longest line and bare CR/LF count.

Recipients at @reject.test are refused with 550 and at @busy.test with 450.
"""

import argparse
import asyncio
import email
import email.policy
import json
import os
import signal
import socket
import ssl
import sys
import threading

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class Recorder:
    def __init__(self, directory, fail_first):
        self.directory = directory
        self.failures_left = fail_first
        self.count = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.endswith("@reject.test"):
            return "550 5.1.1 no such user here"
        if address.endswith("@busy.test"):
            return "450 4.2.1 mailbox busy, try later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.failures_left > 0:
            self.failures_left -= 1
            return "451 4.3.0 temporary failure, try again"
        self.count += 1
        content = envelope.original_content or envelope.content
        if isinstance(content, str):
            content = content.encode("utf-8", "surrogateescape")
        if self.directory:
            self.record(server, session, envelope, content)
        return "250 2.0.0 queued as %d" % self.count

    def record(self, server, session, envelope, content):
        name = os.path.join(self.directory, "%d.eml" % self.count)
        with open(name, "wb") as f:
            f.write(content)
        message = email.message_from_bytes(content, policy=email.policy.default)
        defects = [type(d).__name__ for part in message.walk() for d in part.defects]
        auth = session.auth_data if session.authenticated else None
        lines = content.split(b"\r\n")
        entry = {
            "eml": name,
            "mailFrom": envelope.mail_from,
            "rcptTos": envelope.rcpt_tos,
            "authUser": auth["user"] if auth else None,
            "authMechanism": auth["mechanism"] if auth else None,
            "tls": server.transport.get_extra_info("ssl_object") is not None,
            "headers": [[k, str(v)] for k, v in message.items()],
            "contentType": message.get_content_type(),
            "text": body(message, "plain"),
            "html": body(message, "html"),
            "defects": defects,
            "maxLineLength": max(len(line) for line in lines),
            "bareLineBreaks": sum(line.count(b"\n") + line.count(b"\r") for line in lines),
        }
        with open(os.path.join(self.directory, "messages.jsonl"), "a") as f:
            f.write(json.dumps(entry) + "\n")


def body(message, subtype):
    part = message.get_body(preferencelist=(subtype,))
    if part is None or part.get_content_subtype() != subtype:
        return None
    return part.get_content().replace("\r\n", "\n")


class Authenticator:
    def __init__(self, credentials):
        self.user, self.password = credentials.split(":", 1)

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login == self.user.encode()
            and auth_data.password == self.password.encode()
        )
        return AuthResult(success=ok, handled=False, auth_data={"user": self.user, "mechanism": mechanism} if ok else None)


class NoEHLO(SMTP):
    """A server from before RFC 1869: EHLO is an unknown command."""

    async def smtp_EHLO(self, hostname):
        await self.push("502 5.5.2 Error: command not recognized")


class InjectingSTARTTLS(SMTP):
    """A man in the middle: plaintext replies pipelined behind STARTTLS's 220."""

    async def smtp_STARTTLS(self, arg):
        await self.push("220 Ready to start TLS\r\n250-sink.test\r\n250 AUTH PLAIN")


def tls_context(cert, key):
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


def serve_silently(port):
    """Accepts connections and never says a word."""
    server = socket.create_server(("127.0.0.1", port))
    print(server.getsockname()[1], flush=True)
    held = []
    while True:
        connection, _ = server.accept()
        held.append(connection)


def exit_when_stdin_closes():
    sys.stdin.read()
    os._exit(0)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", help="where to write N.eml and messages.jsonl")
    parser.add_argument("--auth", metavar="USER:PASS", help="require AUTH with these credentials")
    parser.add_argument("--auth-mechanisms", help="offer only these, comma-separated (PLAIN, LOGIN)")
    parser.add_argument("--starttls", nargs=2, metavar=("CERT", "KEY"), help="offer and require STARTTLS")
    parser.add_argument("--implicit-tls", nargs=2, metavar=("CERT", "KEY"), help="TLS from the first byte")
    parser.add_argument("--fail-first", type=int, default=0, metavar="N", help="answer 451 to the first N messages")
    parser.add_argument("--no-ehlo", action="store_true", help="refuse EHLO so clients fall back to HELO")
    parser.add_argument("--silent", action="store_true", help="accept connections, never answer")
    parser.add_argument("--inject-after-starttls", action="store_true", help="pipeline plaintext behind STARTTLS's 220")
    args = parser.parse_args()

    # A child of a test runner can inherit a signal mask blocking SIGTERM: undo it.
    signal.pthread_sigmask(signal.SIG_SETMASK, [])
    threading.Thread(target=exit_when_stdin_closes, daemon=True).start()
    if args.silent:
        serve_silently(args.port)
        return

    recorder = Recorder(args.dir, args.fail_first)
    options = {"hostname": "sink.test"}
    if args.auth:
        options["authenticator"] = Authenticator(args.auth)
        options["auth_required"] = True
        # Plaintext AUTH only in the loopback case; with STARTTLS, AUTH waits for TLS.
        options["auth_require_tls"] = bool(args.starttls)
        if args.auth_mechanisms:
            offered = {m.strip().upper() for m in args.auth_mechanisms.split(",")}
            options["auth_exclude_mechanism"] = [m for m in ("PLAIN", "LOGIN") if m not in offered]
    if args.starttls:
        options["tls_context"] = tls_context(*args.starttls)
        options["require_starttls"] = True
    server_class = NoEHLO if args.no_ehlo else InjectingSTARTTLS if args.inject_after_starttls else SMTP

    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    server = loop.run_until_complete(
        loop.create_server(
            lambda: server_class(recorder, loop=loop, **options),
            host="127.0.0.1",
            port=args.port,
            ssl=tls_context(*args.implicit_tls) if args.implicit_tls else None,
        )
    )
    print(server.sockets[0].getsockname()[1], flush=True)
    loop.run_forever()


if __name__ == "__main__":
    main()
