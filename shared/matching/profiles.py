"""The two sides of a match, as the engine sees them: plain values, no database rows."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

from shared.languages import UnknownLanguage, spoken_language

#: CEFR levels plus "native", weakest first; a level's rank is its index + 1 (0 = not spoken).
LANGUAGE_LEVELS: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
_RANK = {level.casefold(): rank for rank, level in enumerate(LANGUAGE_LEVELS, start=1)}
_RANK.update({level: rank for rank, level in enumerate(LANGUAGE_LEVELS, start=1)})
NATIVE_RANK = len(LANGUAGE_LEVELS)

#: English names of the languages a coordinator is likely to meet, by ISO 639-3 code: the
#: one code a spoken language is stored and sent by (``shared.languages``).
LANGUAGE_NAMES: dict[str, str] = {
    "afr": "Afrikaans", "amh": "Amharic", "ara": "Arabic", "aze": "Azerbaijani",
    "bel": "Belarusian", "bul": "Bulgarian", "ben": "Bengali", "bos": "Bosnian",
    "cat": "Catalan", "ces": "Czech", "dan": "Danish", "deu": "German", "ell": "Greek",
    "eng": "English", "spa": "Spanish", "est": "Estonian", "fas": "Persian", "fin": "Finnish",
    "fra": "French", "gle": "Irish", "guj": "Gujarati", "hau": "Hausa", "heb": "Hebrew",
    "hin": "Hindi", "hrv": "Croatian", "hat": "Haitian Creole", "hun": "Hungarian",
    "hye": "Armenian", "ind": "Indonesian", "ibo": "Igbo", "isl": "Icelandic", "ita": "Italian",
    "jpn": "Japanese", "kat": "Georgian", "kaz": "Kazakh", "khm": "Khmer", "kan": "Kannada",
    "kor": "Korean", "kur": "Kurdish", "kir": "Kyrgyz", "lao": "Lao", "lit": "Lithuanian",
    "lav": "Latvian", "mkd": "Macedonian", "mal": "Malayalam", "mon": "Mongolian",
    "mar": "Marathi", "msa": "Malay", "mya": "Burmese", "nep": "Nepali", "nld": "Dutch",
    "nor": "Norwegian", "pan": "Punjabi", "pol": "Polish", "pus": "Pashto", "por": "Portuguese",
    "ron": "Romanian", "rus": "Russian", "kin": "Kinyarwanda", "sin": "Sinhala",
    "slk": "Slovak", "slv": "Slovenian", "som": "Somali", "sqi": "Albanian", "srp": "Serbian",
    "swe": "Swedish", "swa": "Swahili", "tam": "Tamil", "tel": "Telugu", "tgk": "Tajik",
    "tha": "Thai", "tir": "Tigrinya", "tuk": "Turkmen", "tgl": "Tagalog", "tur": "Turkish",
    "ukr": "Ukrainian", "urd": "Urdu", "uzb": "Uzbek", "vie": "Vietnamese", "yor": "Yoruba",
    "zho": "Chinese", "zul": "Zulu", "prs": "Dari", "haz": "Hazaragi", "rhg": "Rohingya",
    "ckb": "Sorani Kurdish", "kmr": "Kurmanji Kurdish", "apc": "Levantine Arabic",
    "aii": "Assyrian Neo-Aramaic", "tig": "Tigre", "din": "Dinka", "nus": "Nuer",
    "ksw": "S'gaw Karen", "cnh": "Hakha Chin", "cmn": "Mandarin Chinese", "yue": "Cantonese",
    "fil": "Filipino",
}  # fmt: skip


def level_rank(level: str | None) -> int:
    """Return a level's rank (A1 = 1 … native = 7), 0 for None; raise ValueError if unknown."""
    if level is None:
        return 0
    rank = _RANK.get(level)
    if rank is not None:
        return rank
    try:
        return _RANK[level.strip().casefold()]
    except KeyError:
        raise ValueError(
            f"unknown language level {level!r}; use one of {LANGUAGE_LEVELS}"
        ) from None


def language_name(code: str) -> str:
    """Return the English name of a language by its ISO 639-3 code (or any ISO 639 code),
    or the code itself if unlisted."""
    found = LANGUAGE_NAMES.get(code.casefold())
    if found is None:
        try:
            found = LANGUAGE_NAMES.get(spoken_language(code))
        except UnknownLanguage:
            found = None
    return found or code


@dataclass(frozen=True, eq=False)
class Candidate:
    """A connector (or an anonymized directory profile) that can be suggested."""

    id: Hashable
    occupation: str | None
    skills: frozenset[str] = frozenset()
    years: float | None = None
    #: language code -> level ("A1" … "C2", "native")
    languages: Mapping[str, str] = field(default_factory=dict)
    availability: frozenset[str] = frozenset()
    community: str | None = None
    capacity: int = 3
    capacity_left: int = 3
    remote_ok: bool = False
    cross_city_ok: bool = False
    #: the connector's consents for matching are active
    consented: bool = True
    #: seeker ids this connector must never be suggested to
    blocked: frozenset[Hashable] = frozenset()


@dataclass(frozen=True, eq=False)
class Seeker:
    """A connectee waiting for a connector."""

    id: Hashable
    target_occupation: str | None
    current_occupation: str | None = None
    skills: frozenset[str] = frozenset()
    years: float | None = None
    languages: Mapping[str, str] = field(default_factory=dict)
    availability: frozenset[str] = frozenset()
    community: str | None = None
    #: the connectee's consents for matching are active
    consented: bool = True
    #: the connectee agreed to be introduced to connectors of other communities
    cross_city_ok: bool = False
    #: candidate ids never to suggest (blocked by staff)
    blocked: frozenset[Hashable] = frozenset()
    #: candidate ids already matched with this connectee
    excluded: frozenset[Hashable] = frozenset()
    #: local demand for the target occupation in [0, 1] (shared.taxonomy.demand); None = 0.5
    demand: float | None = None
