"""National staff accounts: creation, password checks and the web UI's login."""

from __future__ import annotations

from hub.audit.services import record
from hub.auth.models import StaffUser
from hub.errors import Conflict, InvalidInput
from hub.extensions import db
from shared.web.staff import StaffAccounts

accounts = StaffAccounts(db, StaffUser, record=record, invalid=InvalidInput, conflict=Conflict)

#: Create an account: ``create_user(email, name, role, password, actor=...)``, then commit.
create_user = accounts.create
#: The active account with these credentials (login time stamped), or None.
authenticate = accounts.authenticate
#: Flask-Login's user loader: the session's account while it is active.
load_active_user = accounts.load_active
