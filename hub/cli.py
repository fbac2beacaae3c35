"""``connector-hub``: set up, administer and run the national hub from the shell.

The console entry point imports the factory, never the reverse: the commands themselves
are in ``hub.commands``, which ``create_app`` attaches.
"""

from __future__ import annotations

from hub.app import create_app
from shared.web.cli import console

main = console(
    create_app, name="connector-hub", help="Run and administer the Connector Network national hub."
)
