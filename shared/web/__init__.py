"""The Flask glue both services need, written once (the only part of ``shared`` that imports Flask).

Each service's ``create_app`` reads as a table of contents over these pieces: settings
from the environment (``settings``), engine options (``database``), error answers
(``errors``), the health and vendored-asset endpoints (``system``), URL converters,
proxies and CSRF (``app``), command-line helpers (``cli``) and Alembic's
environment (``migrations``).
"""
