"""Run every benchmark (node, directory, pages, sync, mail, tick, hub, matching), each beside
its target."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from bench import (
    Result,
    backends,
    hub_directory_apply,
    hub_directory_search,
    hub_pages,
    hub_scale,
    hub_search_syncs,
    machine,
    mail_send,
    matching_assign,
    matching_rank,
    node_directory_refresh,
    node_import,
    node_list_api,
    node_pages,
    sync_push,
    tick_due,
)

RESULTS = Path(__file__).parent / "results"


def main() -> int:
    info = machine()
    print("Connector Network benchmarks")
    print("  " + "; ".join(f"{k}: {v}" for k, v in info.items()))
    results: list[Result] = []
    for label, url in backends():
        for bench in (
            node_list_api.run,
            node_import.run,
            node_directory_refresh.run,
            sync_push.run,
            mail_send.run,
            hub_directory_search.run,
            hub_directory_apply.run,
            hub_search_syncs.run,
            hub_scale.run,
            tick_due.run,
        ):
            for result in bench(label, url):
                print(result.line(), flush=True)
                results.append(result)
    # The matching engine needs no database, and the staff pages' targets are PostgreSQL's
    # (BENCH_POSTGRES_URL or a local default): each runs once, not per backend.
    for matching in (matching_rank.run, matching_assign.run, node_pages.run, hub_pages.run):
        for result in matching():
            print(result.line(), flush=True)
            results.append(result)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "latest.json").write_text(
        json.dumps({"machine": info, "results": [r.as_dict() for r in results]}, indent=2)
    )
    missed = [r for r in results if getattr(r, "ok", None) is False]
    print(f"{len(missed)} target(s) missed." if missed else "All measured targets met.")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
