"""Marshmallow fields the node's schemas share."""

from __future__ import annotations

import re
from typing import Any

from marshmallow import ValidationError, fields

from shared.fields import Id as Id  # the one bounded id both services use
from shared.names import canonical_language
from shared.taxonomy import UnknownOccupation, default_taxonomy, normalize_code
from shared.text import N_

_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_COUNTRY = re.compile(r"^[A-Z]{2}$")


class OccupationCode(fields.String):
    """A SOC 2018 code; accepts ``151252`` or ``15-1252``, rejects unknown codes."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        raw = super()._deserialize(value, attr, data, **kwargs)
        try:
            code = normalize_code(raw)
        except UnknownOccupation as exc:
            raise ValidationError("Not a SOC code; use the form 15-1252.") from exc
        if code not in default_taxonomy():
            raise ValidationError(f"Unknown SOC 2018 occupation code {code}.")
        return code


class LanguageCode(fields.String):
    """A spoken language, stored by its ISO 639-3 code: any ISO 639 code is read as it
    (``ar`` or ``ara`` → ``ara``, ``fa``, ``per`` or ``fas`` → ``fas``; Dari ``prs`` stays),
    see ``shared.languages.spoken_language``; a code no standard defines is refused."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        code = super()._deserialize(value, attr, data, **kwargs).strip().lower()
        canonical = canonical_language(code) if _LANGUAGE.match(code) else None
        if canonical is None:
            # Every ISO 639 form is read, so the message (already translated) still holds.
            raise ValidationError(
                N_("Use an ISO 639 language code such as en, ar, or prs for Dari.")
            )
        return canonical


class CountryCode(fields.String):
    """An ISO 3166-1 alpha-2 country code in upper case, e.g. ``SY``."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        code = super()._deserialize(value, attr, data, **kwargs).strip().upper()
        if not _COUNTRY.match(code):
            raise ValidationError("Use a two-letter ISO 3166 country code such as SY or UA.")
        return code


class TrimmedString(fields.String):
    """A string with surrounding spaces removed; blank counts as missing when required."""

    def _deserialize(self, value: Any, attr: str | None, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs).strip()
        if self.required and not text:
            raise ValidationError("Must not be blank.")
        return text
