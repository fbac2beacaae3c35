"""Take the pictures of docs/coordinator-guide.md from a demo node, in Chromium.

    .venv/bin/python scripts/guide_screenshots.py [--out docs/coordinator-guide]

Builds a demo node on a scratch SQLite file (the data ``make run`` shows), serves it on a
free localhost port, logs in as the demo coordinator and photographs each page the guide
describes, at a laptop's width, the top of the page only (the guide's text says the rest).
Needs Debian's Chromium (/usr/bin/chromium) and the test extras (Playwright).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import select
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from community_node.app import create_app  # noqa: E402
from community_node.demo.loader import DEMO_PASSWORD, DEMO_STAFF, load_demo  # noqa: E402
from community_node.extensions import db  # noqa: E402
from community_node.matches.models import Match  # noqa: E402
from community_node.matching import services as matching  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
SIZE = {"width": 1100, "height": 820}


@contextmanager
def demo_node(tmp: Path) -> Iterator[tuple[str, dict[str, int]]]:
    """Serve a demo node; yield its URL and the ids of records worth photographing."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/guide.sqlite",
            "SECRET_KEY": "guide-screenshots-only-" + "x" * 16,
            "COMMUNITY_NAME": "Halifax",
            "COMMUNITY_SLUG": "halifax",
        }
    )
    with app.app_context():
        db.create_all()
        load_demo(connectees=120, connectors=60, seed=7, scenarios=())
        waiting = matching.waiting_connectees()
        match = db.session.scalars(select(Match).order_by(Match.id.desc()).limit(1)).first()
        ids = {
            "connectee": waiting[0].id if waiting else 1,
            "match": match.id if match is not None else 1,
        }
        db.session.remove()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", ids
    finally:
        server.shutdown()
        thread.join(timeout=10)


def shots(ids: dict[str, int]) -> list[tuple[str, str, Callable[[Any], None] | None]]:
    """(file name, path, what to do on the page first) of each picture."""
    connectee = ids["connectee"]
    return [
        ("today", "/", None),
        ("review", "/people/review", None),
        ("connectee-form", "/connectees/new", None),
        (
            "person",
            f"/connectees/{connectee}",
            lambda page: page.locator("#eligibility").scroll_into_view_if_needed(),
        ),
        ("erase", f"/connectees/{connectee}/erase", None),
        ("suggestions", f"/matching/{connectee}", None),
        ("match", f"/matches/{ids['match']}", None),
        ("introductions", "/introductions", None),
        ("imports", "/imports", None),
        ("reports", "/reports", None),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/coordinator-guide"))
    args = parser.parse_args()
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} is missing: apt install chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    coordinator = DEMO_STAFF[1][0]
    with (
        tempfile.TemporaryDirectory() as tmp,
        demo_node(Path(tmp)) as (url, ids),
        sync_playwright() as playwright,
    ):
        flags = ["--no-sandbox"] if os.geteuid() == 0 else []
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=flags)
        page = browser.new_page(base_url=url, viewport=SIZE)
        page.goto("/login")
        page.get_by_label("Email").fill(coordinator)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/$"))
        for name, path, prepare in shots(ids):
            response = page.goto(path)
            if response is None or response.status >= 400:
                status = response.status if response else "no answer"
                print(f"{name}: {path} answered {status}", file=sys.stderr)
                return 1
            if prepare is not None:
                prepare(page)
            page.screenshot(path=str(args.out / f"{name}.png"))
            print(f"{args.out / name}.png  ← {path}")
        browser.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
