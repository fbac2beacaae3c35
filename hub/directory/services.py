"""List anonymized profiles for nodes searching the national directory."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Select, select

from hub.communities.models import Community, CommunityRef, CommunityStatus
from hub.errors import InvalidInput
from hub.extensions import db
from hub.profiles.models import Profile
from shared.taxonomy import Level, UnknownOccupation, default_taxonomy
from shared.web.pagination import paginate


def _occupation_prefix(code: str, related: str | None) -> str:
    try:
        occupation = default_taxonomy().get(code)
    except UnknownOccupation as exc:
        raise InvalidInput({"occupation": [str(exc)]}) from exc
    return occupation.prefix(Level(related)) if related else occupation.code


def directory_query(caller: CommunityRef | None, args: dict[str, Any]) -> Select[Profile]:
    """Build the filtered query of listed profiles (never tombstones, nor suspended nodes).

    ``caller`` None: the whole network, as national staff search it (no own community).
    """
    stmt = (
        select(Profile)
        .join(Community, Community.id == Profile.community_id)
        .where(Profile.deleted.is_(False), Community.status != CommunityStatus.SUSPENDED)
    )
    if caller is not None and not args.get("include_own"):
        stmt = stmt.where(Profile.community_id != caller.id)
    if args.get("occupation"):
        prefix = _occupation_prefix(args["occupation"], args.get("related"))
        if args.get("related"):
            # Every code sharing the prefix: what Taxonomy.related_codes() lists.
            stmt = stmt.where(Profile.occupation.startswith(prefix, autoescape=True))
        else:
            stmt = stmt.where(Profile.occupation == prefix)
    elif args.get("related"):
        raise InvalidInput({"related": ["Give an occupation to relate to."]})
    if args.get("language"):
        stmt = stmt.where(Profile.language_codes.contains(f" {args['language']} "))
    for flag in ("remote_ok", "cross_city_ok", "accepting"):
        if args.get(flag) is not None:
            stmt = stmt.where(getattr(Profile, flag).is_(args[flag]))
    if args.get("community"):
        stmt = stmt.where(Community.slug == args["community"])
    return stmt.order_by(Profile.updated_at.desc(), Profile.id.desc())


def list_directory(caller: CommunityRef | None, args: dict[str, Any]) -> dict[str, Any]:
    """Return one page of the directory as wire entries (``caller`` None: every community)."""
    page = paginate(db, directory_query(caller, args), args["page"], args["per_page"])
    profiles: list[Profile] = list(page.items)
    # One lookup for the page's few communities, so the page itself is plain profiles.
    slugs = dict(
        db.session.execute(
            select(Community.id, Community.slug).where(
                Community.id.in_({p.community_id for p in profiles})
            )
        ).all()
    )
    items = [directory_entry(p, slugs[p.community_id]) for p in profiles]
    return {
        "items": items,
        "total": page.total,
        "page": page.page,
        "per_page": page.per_page,
        "pages": page.pages,
    }


def directory_entry(profile: Any, community: str) -> dict[str, Any]:
    """What the directory lists of one profile (a stored ``Profile`` or the in-memory
    directory's copy of one: both carry these attributes), from ``community``'s slug."""
    occupation = profile.occupation
    return {
        "id": profile.id,
        "community": community,
        "occupation": occupation,
        "occupation_level": profile.occupation_level,
        "occupation_title": default_taxonomy().get(occupation).title if occupation else "",
        "experience_band": profile.experience_band,
        "languages": profile.languages,
        "skills": profile.skills,
        "availability": profile.availability,
        "remote_ok": profile.remote_ok,
        "cross_city_ok": profile.cross_city_ok,
        "accepting": profile.accepting,
        "updated_at": profile.updated_at,
    }
