"""The two sides of a match, as the engine sees them: plain values, no database rows."""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field

#: CEFR levels plus "native", weakest first; a level's rank is its index + 1 (0 = not spoken).
LANGUAGE_LEVELS: tuple[str, ...] = ("A1", "A2", "B1", "B2", "C1", "C2", "native")
_RANK = {level.casefold(): rank for rank, level in enumerate(LANGUAGE_LEVELS, start=1)}
_RANK.update({level: rank for rank, level in enumerate(LANGUAGE_LEVELS, start=1)})
NATIVE_RANK = len(LANGUAGE_LEVELS)

#: English names of the languages a coordinator is likely to meet, by their one code
#: (ISO 639-1 where the language has one, ISO 639-3 otherwise).
LANGUAGE_NAMES: dict[str, str] = {
    "af": "Afrikaans", "am": "Amharic", "ar": "Arabic", "az": "Azerbaijani",
    "be": "Belarusian", "bg": "Bulgarian", "bn": "Bengali", "bs": "Bosnian",
    "ca": "Catalan", "cs": "Czech", "da": "Danish", "de": "German", "el": "Greek",
    "en": "English", "es": "Spanish", "et": "Estonian", "fa": "Persian", "fi": "Finnish",
    "fr": "French", "ga": "Irish", "gu": "Gujarati", "ha": "Hausa", "he": "Hebrew",
    "hi": "Hindi", "hr": "Croatian", "ht": "Haitian Creole", "hu": "Hungarian",
    "hy": "Armenian", "id": "Indonesian", "ig": "Igbo", "is": "Icelandic", "it": "Italian",
    "ja": "Japanese", "ka": "Georgian", "kk": "Kazakh", "km": "Khmer", "kn": "Kannada",
    "ko": "Korean", "ku": "Kurdish", "ky": "Kyrgyz", "lo": "Lao", "lt": "Lithuanian",
    "lv": "Latvian", "mk": "Macedonian", "ml": "Malayalam", "mn": "Mongolian",
    "mr": "Marathi", "ms": "Malay", "my": "Burmese", "ne": "Nepali", "nl": "Dutch",
    "no": "Norwegian", "pa": "Punjabi", "pl": "Polish", "ps": "Pashto", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "rw": "Kinyarwanda", "si": "Sinhala", "sk": "Slovak",
    "sl": "Slovenian", "so": "Somali", "sq": "Albanian", "sr": "Serbian", "sv": "Swedish",
    "sw": "Swahili", "ta": "Tamil", "te": "Telugu", "tg": "Tajik", "th": "Thai",
    "ti": "Tigrinya", "tk": "Turkmen", "tl": "Tagalog", "tr": "Turkish", "uk": "Ukrainian",
    "ur": "Urdu", "uz": "Uzbek", "vi": "Vietnamese", "yo": "Yoruba", "zh": "Chinese",
    "zu": "Zulu",
    # Languages without an ISO 639-1 code, by ISO 639-3 (shared.names.EXTRA_LANGUAGES).
    "prs": "Dari", "haz": "Hazaragi", "rhg": "Rohingya", "ckb": "Sorani Kurdish",
    "kmr": "Kurmanji Kurdish", "apc": "Levantine Arabic", "aii": "Assyrian Neo-Aramaic",
    "tig": "Tigre", "din": "Dinka", "nus": "Nuer", "ksw": "S'gaw Karen", "cnh": "Hakha Chin",
    "cmn": "Mandarin Chinese", "yue": "Cantonese", "fil": "Filipino",
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
    """Return the English name of a language code, or the code itself if unlisted."""
    return LANGUAGE_NAMES.get(code.casefold(), code)


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
