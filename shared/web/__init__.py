"""The Flask glue both services share: the only part of ``shared`` that imports Flask."""
