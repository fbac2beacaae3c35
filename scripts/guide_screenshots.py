"""Take the pictures of the staff guides from a demo node or hub, in Chromium.

    .venv/bin/python scripts/guide_screenshots.py                 # docs/coordinator-guide/
    .venv/bin/python scripts/guide_screenshots.py --site hub      # docs/hub-guide/

``node``: a demo node on a scratch SQLite file (the data ``make run`` shows), logged in as
the demo coordinator. ``hub``: a hub on a scratch SQLite file with a dozen communities,
100,000 anonymized profiles, four quarters of outcomes and applications (the seeding of
``bench/hub_pages.py``), logged in as national staff. Either is served on a free localhost
port and each page its guide describes is photographed at a laptop's width, the top of
the page only (the guide's text says the rest). Needs Debian's Chromium
(/usr/bin/chromium) and the test extras (Playwright).
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

from bench import hub_pages  # noqa: E402
from community_node.app import create_app  # noqa: E402
from community_node.demo.loader import DEMO_PASSWORD, DEMO_STAFF, load_demo  # noqa: E402
from community_node.extensions import db  # noqa: E402
from community_node.matches.models import Match  # noqa: E402
from community_node.matching import services as matching  # noqa: E402
from hub.app import create_app as create_hub  # noqa: E402
from hub.extensions import db as hub_db  # noqa: E402

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
    with serving(app) as url:
        yield url, ids


#: The hub's pictures show these communities (the demo's four and more).
HUB_COMMUNITIES = (
    ("halifax", "Halifax"), ("stlouis", "St. Louis"), ("portland", "Portland"),
    ("pittsburgh", "Pittsburgh"), ("moncton", "Moncton"), ("fredericton", "Fredericton"),
    ("saint-john", "Saint John"), ("charlottetown", "Charlottetown"),
    ("stjohns", "St. John's"), ("sydney", "Sydney"), ("truro", "Truro"),
    ("yarmouth", "Yarmouth"),
)  # fmt: skip
HUB_STAFF = "national@example.org"


@contextmanager
def demo_hub(tmp: Path) -> Iterator[tuple[str, dict[str, int]]]:
    """Serve a hub with the communities above, profiles, outcomes and applications."""
    app = create_hub(
        {
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp}/hub-guide.sqlite",
            "SECRET_KEY": "guide-screenshots-only-" + "x" * 16,
            "RESOURCE_FILES_DIR": str(tmp / "files"),
        }
    )
    with app.app_context():
        hub_db.create_all()
        hub_pages.seed(HUB_COMMUNITIES, HUB_STAFF, DEMO_PASSWORD)
        hub_db.session.remove()
    with serving(app) as url:
        yield url, {"application": 1}


@contextmanager
def serving(app: Any) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
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


def hub_shots(ids: dict[str, int]) -> list[tuple[str, str, Callable[[Any], None] | None]]:
    return [
        ("dashboard", "/", None),
        ("figures", "/figures", None),
        ("directory", "/directory?occupation=29-1141&related=minor", None),
        ("coverage", "/directory/coverage", None),
        ("introductions", "/introductions", None),
        ("communities", "/communities", None),
        ("community", "/communities/halifax", None),
        ("apply", "/apply", None),
        ("applications", "/onboarding", None),
        ("application", f"/onboarding/{ids['application']}", None),
        ("resources", "/resources", None),
        ("audit", "/admin/audit", None),
    ]


SITES = {
    # site: (how to serve it, its pictures, who logs in, where the pictures go)
    "node": (demo_node, shots, DEMO_STAFF[1][0], Path("docs/coordinator-guide")),
    "hub": (demo_hub, hub_shots, HUB_STAFF, Path("docs/hub-guide")),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", choices=sorted(SITES), default="node")
    parser.add_argument("--out", type=Path, help="default: the site's guide folder")
    args = parser.parse_args()
    serve, pictures, login, default_out = SITES[args.site]
    args.out = args.out or default_out
    if not os.path.exists(CHROMIUM):
        print(f"{CHROMIUM} is missing: apt install chromium", file=sys.stderr)
        return 1
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    with (
        tempfile.TemporaryDirectory() as tmp,
        serve(Path(tmp)) as (url, ids),
        sync_playwright() as playwright,
    ):
        flags = ["--no-sandbox"] if os.geteuid() == 0 else []
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=flags)
        page = browser.new_page(base_url=url, viewport=SIZE)
        page.set_default_timeout(120_000)  # a first page may build caches on a busy machine
        page.goto("/login")
        page.get_by_label("Email").fill(login)
        page.get_by_label("Password").fill(DEMO_PASSWORD)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(re.compile(r"/$"))
        for name, path, prepare in pictures(ids):
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
