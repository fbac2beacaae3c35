"""kill -9 a real sender mid-run, again and again: nothing lost, one duplicate per crash at most."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import select

from community_node.extensions import db
from community_node.mail.messages import signup_received
from community_node.mail.models import MailMessage, MailState
from tests.community_node.factories import ConnecteeFactory
from tests.community_node.mail.conftest import SMTPServer

ROOT = Path(__file__).resolve().parents[3]
MESSAGES = 60
KILLS = 3

pytestmark = pytest.mark.slow


def sender_process(app: Flask, server: SMTPServer) -> subprocess.Popen[bytes]:
    url = db.engine.url.render_as_string(hide_password=False)
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "DATABASE_URL": url,
        "NODE_ENV": "testing",
        "NODE_SECRET_KEY": "test-secret",
        "NODE_MAIL_BACKEND": "smtp",
        "NODE_MAIL_SERVER": server.host,
        "NODE_MAIL_PORT": str(server.port),
        "NODE_MAIL_USERNAME": str(server.username),
        "NODE_MAIL_PASSWORD": str(server.password),
        "NODE_MAIL_FROM": "program@testville.example",
        "NODE_MAIL_LEASE_SECONDS": "1",
        "NODE_MAIL_BATCH_SIZE": "10",
    }
    command = [sys.executable, "-c", "from community_node.cli import main; main()", "mail", "send"]
    return subprocess.Popen(
        command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def test_kill_9_mid_run_loses_nothing_and_repeats_one_message_per_crash_at_most(
    app: Flask, smtp_server: SMTPServer, inbox: object
) -> None:
    for _ in range(MESSAGES):
        signup_received(ConnecteeFactory())
    db.session.commit()
    expected = set(db.session.scalars(select(MailMessage.message_id)))
    server_inbox = smtp_server.inbox
    server_inbox.delay = 0.02  # a message takes a moment, so a kill lands mid-send too
    kills = 0
    for _ in range(KILLS):
        seen = len(server_inbox.received)
        process = sender_process(app, smtp_server)
        deadline = time.monotonic() + 30
        while len(server_inbox.received) < seen + 7 and time.monotonic() < deadline:
            time.sleep(0.005)
        assert process.poll() is None, process.stderr.read() if process.stderr else ""
        process.send_signal(signal.SIGKILL)
        process.communicate()  # reaps it and closes its pipes
        kills += 1
        time.sleep(1.2)  # the dead sender's lease runs out
    process = sender_process(app, smtp_server)
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err.decode()
    assert b"@" not in err  # the sender's log names no address

    ids = Counter(str(m["Message-ID"]) for m in server_inbox.received)
    assert set(ids) == expected  # nothing lost
    duplicates = sum(count - 1 for count in ids.values())
    assert duplicates <= kills
    assert max(ids.values()) <= 2
    db.session.expire_all()
    assert set(db.session.scalars(select(MailMessage.state))) == {MailState.SENT}
