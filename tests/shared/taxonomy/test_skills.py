"""Tests for the ESCO skills vocabulary, its normalization and its extraction."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from shared.protocol import SKILL_PATTERN
from shared.taxonomy import (
    Skill,
    SkillVocabulary,
    UnknownSkill,
    default_skills,
)
from shared.taxonomy.skills import fold, parse_skills_csv, split_skill_list

ROOT = Path(__file__).resolve().parents[3]
MUSICAL_STAFF = "0005c151-5b5a-4a66-8aac-60e734beb1ab"
CUSTOMER_SERVICE = "15a33d76-4640-438d-ae64-fdc0c1d3eebc"
PYTHON = "ccd0a1d9-afda-43d9-b901-96344886e14d"


@pytest.fixture(scope="module")
def skills() -> SkillVocabulary:
    return default_skills()


def load_script() -> ModuleType:
    path = ROOT / "scripts" / "extract_reference_data.py"
    spec = importlib.util.spec_from_file_location("extract_reference_data", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_the_shipped_vocabulary_parses_with_ids_fit_for_the_wire(
    skills: SkillVocabulary,
) -> None:
    import re

    assert len(skills) == 13939
    pattern = re.compile(SKILL_PATTERN)
    assert all(pattern.match(skill.id) for skill in skills)
    assert skills.get(MUSICAL_STAFF).label == "manage musical staff"
    assert "coordinate duties of musical staff" in skills.get(MUSICAL_STAFF).alt_labels
    assert skills.label(PYTHON) == "Python (computer programming)"
    with pytest.raises(UnknownSkill, match="unknown ESCO skill id"):
        skills.get("not-a-skill")
    size = (ROOT / "shared" / "data" / "esco_skills.csv").stat().st_size
    assert size < 5_000_000


def test_the_notice_acknowledges_esco() -> None:
    notice = (ROOT / "shared" / "data" / "NOTICE.md").read_text(encoding="utf-8")
    assert "This service uses the ESCO classification of the European Commission." in notice


@pytest.mark.parametrize(
    ("text", "skill_id"),
    [
        ("manage musical staff", MUSICAL_STAFF),  # preferred label
        ("  MANAGE Musical   staff! ", MUSICAL_STAFF),  # case, spacing, punctuation
        ("coordinate duties of musical staff", MUSICAL_STAFF),  # alternative label
        ("customer service", CUSTOMER_SERVICE),
        ("custmer service", CUSTOMER_SERVICE),  # a missing letter
        ("cusotmer service", CUSTOMER_SERVICE),  # swapped letters
        ("Python", PYTHON),  # the name before "(computer programming)"
    ],
)
def test_normalize_finds_the_skill(skills: SkillVocabulary, text: str, skill_id: str) -> None:
    match = skills.normalize(text)
    assert match is not None
    assert match.id == skill_id
    assert match.label == skills.label(skill_id)
    assert 85 <= match.score <= 100


def test_exact_text_scores_100_and_a_typo_less(skills: SkillVocabulary) -> None:
    exact = skills.normalize("patient care")
    typo = skills.normalize("pateint care")
    assert exact is not None and typo is not None
    assert exact.score == 100
    assert exact.matched == "patient care"
    assert typo.id == exact.id
    assert typo.matched == "patient care"
    assert 85 <= typo.score < 100


@pytest.mark.parametrize("text", ["", "   ", "!!!", "asdkjh qwe", "zzqxv florbnitz", "xylo"])
def test_garbage_normalizes_to_none(skills: SkillVocabulary, text: str) -> None:
    assert skills.normalize(text) is None


def test_a_short_word_needs_more_than_one_wrong_letter_to_differ(
    skills: SkillVocabulary,
) -> None:
    # "cooking" is one letter away from "booking": another word, not a typo.
    match = skills.normalize("cooking")
    assert match is None or match.matched != "booking"


def test_the_cutoff_decides(skills: SkillVocabulary) -> None:
    assert skills.normalize("custmer srvice", cutoff=99) is None
    assert skills.normalize("custmer srvice", cutoff=85) is not None


def test_normalize_many_splits_a_field_and_keeps_each_skill_once(
    skills: SkillVocabulary,
) -> None:
    ids = skills.skill_ids("Customer service; customer services, gibberishqq\nPython")
    assert ids == [CUSTOMER_SERVICE, PYTHON]
    assert skills.skill_ids(["customer service, Python", "python"]) == [CUSTOMER_SERVICE, PYTHON]
    assert split_skill_list(" a ;b,, c\n") == ["a", "b", "c"]


def test_vocabulary_checks_its_input() -> None:
    with pytest.raises(ValueError, match="duplicate"):
        SkillVocabulary([Skill("a", "x"), Skill("a", "y")])
    with pytest.raises(ValueError, match="header"):
        parse_skills_csv("id,name\n1,x\n")
    with pytest.raises(ValueError, match="line 2"):
        parse_skills_csv("id,label,alt_labels\n,x,\n")
    parsed = parse_skills_csv("id,label,alt_labels\nk1,weld metal,welding|join metals\n")
    assert parsed == [Skill("k1", "weld metal", ("welding", "join metals"))]


def test_a_small_vocabulary_matches_cores_and_prefers_preferred_labels() -> None:
    heads = [Skill(f"s{i}", f"operate machine {i}") for i in range(8)]
    vocabulary = SkillVocabulary(
        [*heads, Skill("fork", "operate forklift"), Skill("alt", "drive trucks", ("forklift",))]
    )
    match = vocabulary.normalize("forklift")
    assert match is not None and match.id == "alt"  # an alternative label beats a core
    assert fold("Crème Brûlée's") == "creme brulees"


def test_extraction_splits_joined_labels_and_drops_descriptions() -> None:
    script = load_script()
    records = [
        (
            script.ESCO_ID_PREFIX + "id-1",
            "manage musical staff manage staff of music direct musical staff "
            "Assign and manage staff tasks in areas such as scoring.",
        ),
        (
            script.ESCO_ID_PREFIX + "id-2",
            "hinduism hindu religion hindu faith The rites and traditions of the religion.",
        ),
        (
            script.ESCO_ID_PREFIX + "id-3",
            "SQL Server MS SQL Server The computer program SQL Server is a tool.",
        ),
    ]
    # Teach it "manage" and "direct" are label verbs: they start descriptions elsewhere.
    for n, verb in enumerate(["manage", "direct"] * 2 + ["assign"] * 3):
        records.append(
            (script.ESCO_ID_PREFIX + f"v{n}", f"{verb} things {verb.title()} the things well.")
        )
    skills = {skill.id: skill for skill in script.esco_skills(records)}
    assert skills["id-1"].label == "manage musical staff"
    assert skills["id-1"].alt_labels == ("manage staff of music", "direct musical staff")
    assert skills["id-2"].label == "hinduism"
    assert skills["id-2"].alt_labels == ("hindu religion", "hindu faith")
    assert skills["id-3"].label.startswith("SQL Server")
    assert all("The" not in skill.label.split() for skill in skills.values())
    with pytest.raises(ValueError, match="unexpected ESCO skill row"):
        script.esco_skills([("http://example.org/x", "a b")])


# --- word forms ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("one", "other"),
    [
        ("auditing", "audit"),
        ("audits", "audit"),
        ("Auditing", "audited"),
        ("nursing", "nurse"),
        ("financial auditing", "financial audits"),
    ],
)
def test_word_forms_of_a_skill_name_one_skill(
    skills: SkillVocabulary, one: str, other: str
) -> None:
    first, second = skills.normalize(one), skills.normalize(other)
    assert first is not None and second is not None
    assert first.id == second.id
    assert first.score == 100


def test_word_forms_key_stems_each_word() -> None:
    from shared.taxonomy.skills import word_forms_key

    assert word_forms_key("auditing financial statements") == "audit financi statement"
    assert word_forms_key(fold("  Audits ")) == "audit"


def test_a_small_vocabulary_meets_word_forms_and_prefers_the_better_label() -> None:
    vocabulary = SkillVocabulary(
        [Skill("a", "perform audits", ("auditing",)), Skill("b", "audit", ("review books",))]
    )
    # "audit" is skill b's preferred label: every form of the word goes there.
    for text in ("audit", "auditing", "audits"):
        match = vocabulary.normalize(text)
        assert match is not None and match.id == "b", text


# --- labels -------------------------------------------------------------------------------


def test_preferred_labels_do_not_repeat_the_name(skills: SkillVocabulary) -> None:
    assert skills.label("19a8293b-8e95-4de3-983f-77484079c389") == "Java (computer programming)"
    assert "Java" in skills.get("19a8293b-8e95-4de3-983f-77484079c389").alt_labels
    repeated = [
        s.label for s in skills if "(" in s.label and s.label.endswith(" " + s.label.split(" (")[0])
    ]
    assert repeated == []


def test_extraction_repairs_labels() -> None:
    script = load_script()
    prefix = script.ESCO_ID_PREFIX
    skills = [
        script.EscoSkill("j", "Java (computer programming) Java", ()),
        script.EscoSkill("r", "Ruby (computer programming) Ruby", ("rb",)),
        script.EscoSkill("k", "KDevelop kdevplatform", ()),
        script.EscoSkill("p", "patient care", ()),
    ]
    labelled = [{"uri": prefix + "k", "label": "KDevelop", "altLabel": ["kdevplatform"]}]
    repaired, changed = script.repair_labels(skills, labelled)
    assert [(s.id, s.label, s.alt_labels) for s in repaired] == [
        ("j", "Java (computer programming)", ("Java",)),
        ("r", "Ruby (computer programming)", ("Ruby", "rb")),
        ("k", "KDevelop", ("kdevplatform",)),  # a joined label is no label
        ("p", "patient care", ()),
    ]
    assert changed == 3


def _typos(labels: list[str], seed: int) -> list[str]:
    """Labels with one or two random slips each: a letter dropped, doubled, swapped or
    replaced, as people type them."""
    import random

    rng = random.Random(seed)
    out = []
    for label in labels:
        text = label
        for _ in range(rng.choice((1, 1, 2))):
            if len(text) < 2:
                break
            i = rng.randrange(len(text) - 1)
            edit = rng.choice(("drop", "double", "swap", "replace"))
            if edit == "drop":
                text = text[:i] + text[i + 1 :]
            elif edit == "double":
                text = text[:i] + text[i] + text[i:]
            elif edit == "swap":
                text = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
            else:
                text = text[:i] + rng.choice("aeiourstnl") + text[i + 1 :]
        out.append(text)
    return out


@pytest.fixture(scope="module")
def two_fresh_vocabularies() -> tuple[SkillVocabulary, SkillVocabulary]:
    """Two vocabularies with nothing matched yet, so neither answers from the other's work."""
    text = (ROOT / "shared" / "data" / "esco_skills.csv").read_text(encoding="utf-8")
    return SkillVocabulary(parse_skills_csv(text)), SkillVocabulary(parse_skills_csv(text))


@pytest.mark.parametrize("cutoff", [None, 70.0, 95.0])
def test_batch_matching_gives_what_one_by_one_gives(
    two_fresh_vocabularies: tuple[SkillVocabulary, SkillVocabulary], cutoff: float | None
) -> None:
    import random

    one_by_one, batch = two_fresh_vocabularies
    rng = random.Random(18)
    labels = [skill.label for skill in rng.sample(list(one_by_one), 300)]
    alternatives = [alt for skill in rng.sample(list(one_by_one), 200) for alt in skill.alt_labels]
    texts = [
        *labels[:50],  # exact
        *(label.upper() + "s" for label in labels[50:80]),  # case and word forms
        *_typos(labels, seed=1),  # typos in long and short labels
        *_typos(alternatives[:150], seed=2),
        *("cokking", "bookng", "nursng", "pyton", "custmer service", "pateint care"),
        *("zzzz qqqq", "", "  ;; ", "a", "Café management", "ERP", "C++", "C#"),
        *labels[:20],  # repeats, as an import's rows repeat skills
    ]
    expected = [one_by_one.normalize(text, cutoff=cutoff) for text in texts]
    got = batch.normalize_batch(texts, cutoff=cutoff)
    assert got == expected
    assert sum(match is not None for match in got) > len(texts) // 2
    assert any(match is not None and match.score < 100 for match in got)  # fuzzy path taken
    # What the batch found is what single calls on the same vocabulary answer afterwards.
    assert [batch.normalize(text, cutoff=cutoff) for text in texts] == expected
    assert [m.id if m else None for m in got] == [m.id if m else None for m in expected]


SMALL_CSV = (
    b"id,label,alt_labels\n"
    b"a1,patient care,nursing care|care of patients\n"
    b"b2,Python (computer programming),Python 3\n"
    b"c3,customer service,client service\n"
)


def test_a_cached_index_is_the_built_one(tmp_path: Path) -> None:
    """The shipped vocabulary read back from its cache file answers as the built one."""
    from shared.taxonomy.skills import cached_vocabulary

    data = (ROOT / "shared" / "data" / "esco_skills.csv").read_bytes()
    built = cached_vocabulary(data, tmp_path)  # no file yet: built, then written
    assert len(list(tmp_path.glob("esco-skills-*.marshal"))) == 1
    restored = cached_vocabulary(data, tmp_path)
    assert restored is not built
    assert list(restored) == list(built)
    assert restored._choices == built._choices
    assert restored._lengths == built._lengths
    assert restored._choice_skill == built._choice_skill
    assert restored._by_stem == built._by_stem
    texts = ["Python", "pateint care", "custmer service", "auditing", "nursing", "cokking", "xylo"]
    assert restored.normalize_batch(texts) == [built.normalize(text) for text in texts]
    assert restored.get(PYTHON) == built.get(PYTHON)


def test_the_cache_is_read_instead_of_building(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.taxonomy.skills import cached_vocabulary

    first = cached_vocabulary(SMALL_CSV, tmp_path)

    def no_build(*args: object, **kwargs: object) -> None:
        raise AssertionError("built again despite the cache file")

    monkeypatch.setattr(SkillVocabulary, "__init__", no_build)
    again = cached_vocabulary(SMALL_CSV, tmp_path)
    assert again.skill_ids("Python, pateint care") == first.skill_ids("Python, pateint care")
    assert again.skill_ids("Python, pateint care") == ["b2", "a1"]


def test_another_data_version_or_a_bad_file_is_rebuilt(tmp_path: Path) -> None:
    from shared.taxonomy.skills import cache_key, cached_vocabulary

    cached_vocabulary(SMALL_CSV, tmp_path)
    newer = SMALL_CSV + b"d4,welding,\n"
    assert cache_key(newer) != cache_key(SMALL_CSV)
    assert cached_vocabulary(newer, tmp_path).skill_ids("welding") == ["d4"]
    assert len(list(tmp_path.glob("esco-skills-*.marshal"))) == 2
    for path in tmp_path.glob("esco-skills-*.marshal"):
        path.write_bytes(path.read_bytes()[:100])  # truncated
    assert cached_vocabulary(newer, tmp_path).skill_ids("welding") == ["d4"]
    # A file of the right name but another shape (or key) is not trusted either.
    path = tmp_path / f"esco-skills-{cache_key(SMALL_CSV)}.marshal"
    import marshal

    path.write_bytes(marshal.dumps((cache_key(SMALL_CSV), [("a1", "x", [])], ["zzz"], [7], {})))
    assert cached_vocabulary(SMALL_CSV, tmp_path).skill_ids("customer service") == ["c3"]
    assert cached_vocabulary(SMALL_CSV, tmp_path).skill_ids("customer service") == ["c3"]
    rows = [("a1", "x", [])]
    path.write_bytes(marshal.dumps((cache_key(SMALL_CSV), rows, ["x"], [0], {"x": 3})))
    assert cached_vocabulary(SMALL_CSV, tmp_path).skill_ids("customer service") == ["c3"]


def test_an_unwritable_cache_directory_only_costs_the_build(tmp_path: Path) -> None:
    from shared.taxonomy.skills import cached_vocabulary

    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    assert cached_vocabulary(SMALL_CSV, blocked / "cache").skill_ids("python 3") == ["b2"]
    assert cached_vocabulary(SMALL_CSV, None).skill_ids("client service") == ["c3"]


def test_the_cache_directory_follows_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from shared.taxonomy.skills import CACHE_DIR_VARIABLE, cache_dir

    monkeypatch.setenv(CACHE_DIR_VARIABLE, str(tmp_path / "explicit"))
    assert cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv(CACHE_DIR_VARIABLE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "connector-network"
