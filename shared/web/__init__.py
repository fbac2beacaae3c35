"""The Flask glue both services need, written once (the only part of ``shared`` that imports Flask).

Each service's ``create_app`` reads as a table of contents over these pieces: settings
from the environment (``settings``), engine options (``database``), error answers
(``errors``), the health and vendored-asset endpoints (``system``), URL converters,
proxies and CSRF (``app``), command-line helpers (``cli``), Alembic's
environment (``migrations``), the audit log (``audit``), staff accounts (``staff``,
``login``), the staff pages' layout and macros (``layout``, ``templates/``), form
helpers (``forms``), pagination (``pagination``), the guarded CSV writer (``csv``),
rate limits (``limits``) and the security trail (``security_log``).
"""
