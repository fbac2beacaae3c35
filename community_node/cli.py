"""``connector-node``: set up, administer and run a community node from the shell.

The console entry point imports the factory, never the reverse: the commands themselves
are in ``community_node.commands``, which ``create_app`` attaches.
"""

from __future__ import annotations

from community_node.app import create_app
from shared.web.cli import console

main = console(
    create_app,
    name="connector-node",
    help="Run and administer a Connector Network community node.",
)
