"""``/api/v1/introductions``: the cross-city introductions broker, and public keys."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE, fields, validate

from hub.idempotency.api import KEY_DOC, idempotent
from hub.introductions import services
from hub.security import actor_label, current_community, require_scope
from shared.protocol.common import BaseSchema
from shared.protocol.introductions import (
    EraseRequestSchema,
    IntroductionSchema,
    IntroFeedSchema,
    IntroRequestSchema,
    PublicKeyResultSchema,
    PublicKeySchema,
    SealedCardSchema,
)

blp = Blueprint(
    "introductions",
    __name__,
    url_prefix="/introductions",
    description="Cross-city introductions: requests, decisions, the inbox feed, sealed cards.",
)
keys_blp = Blueprint(
    "public_keys",
    __name__,
    url_prefix="/communities",
    description="A community's public key for sealed contact cards.",
)


class InboxArgsSchema(BaseSchema):
    since = fields.Integer(load_default=0, validate=validate.Range(min=0, max=2**63 - 1))


@blp.route("")
class Introductions(MethodView):
    @blp.doc(security=[{"oauth2": ["intros:write"]}], **KEY_DOC)
    @require_scope("intros:write")
    @idempotent
    @blp.arguments(IntroRequestSchema)
    @blp.response(201, IntroductionSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Request an introduction to a listed connector of another community."""
        return services.request_intro(current_community(), data, actor_label())


@blp.route("/inbox")
class Inbox(MethodView):
    @blp.doc(security=[{"oauth2": ["intros:read"]}])
    @require_scope("intros:read")
    @blp.arguments(InboxArgsSchema, location="query", unknown=RAISE)
    @blp.response(200, IntroFeedSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """The caller's introductions (both directions) changed after ``since``."""
        return services.feed(current_community(), args["since"])


@blp.route("/<int:intro_id>")
class IntroductionItem(MethodView):
    @blp.doc(security=[{"oauth2": ["intros:read"]}])
    @require_scope("intros:read")
    @blp.response(200, IntroductionSchema)
    def get(self, intro_id: int) -> dict[str, Any]:
        """One introduction the caller is a side of."""
        return services.get_intro(current_community(), intro_id)


def _action_view(action: str, doc: str) -> type[MethodView]:
    class Action(MethodView):
        @blp.doc(security=[{"oauth2": ["intros:write"]}], summary=doc, **KEY_DOC)
        @require_scope("intros:write")
        @idempotent
        @blp.response(200, IntroductionSchema)
        def post(self, intro_id: int) -> dict[str, Any]:
            return services.act(current_community(), intro_id, action, actor_label())

    Action.__name__ = f"Introduction{action.title()}"
    return Action


blp.route("/<int:intro_id>/accept")(
    _action_view("accept", "The connector agreed (the connector's community only).")
)
blp.route("/<int:intro_id>/decline")(
    _action_view("decline", "The connector declined (the connector's community only).")
)
blp.route("/<int:intro_id>/withdraw")(
    _action_view("withdraw", "Withdraw the request (the requesting community only).")
)


@blp.route("/<int:intro_id>/cards")
class Cards(MethodView):
    @blp.doc(security=[{"oauth2": ["intros:write"]}], **KEY_DOC)
    @require_scope("intros:write")
    @idempotent
    @blp.arguments(SealedCardSchema)
    @blp.response(201, IntroductionSchema)
    def post(self, data: dict[str, Any], intro_id: int) -> dict[str, Any]:
        """Send the caller's contact card, sealed to the other community's public key."""
        return services.post_card(current_community(), intro_id, data["sealed"], actor_label())


@blp.route("/<int:intro_id>/erase")
class Erase(MethodView):
    @blp.doc(security=[{"oauth2": ["intros:write"]}], **KEY_DOC)
    @require_scope("intros:write")
    @idempotent
    @blp.arguments(EraseRequestSchema)
    @blp.response(200, IntroductionSchema)
    def post(self, data: dict[str, Any], intro_id: int) -> dict[str, Any]:
        """Delete the pitch, consent ref and both cards (either side; idempotent).

        A waiting request ends as withdrawn; the other side sees ``erased_at`` in its feed.
        """
        return services.erase(current_community(), intro_id, data["reason"], actor_label())


@keys_blp.route("/me/public-key")
class PublicKey(MethodView):
    @keys_blp.doc(security=[{"oauth2": ["intros:write"]}])
    @require_scope("intros:write")
    @keys_blp.arguments(PublicKeySchema)
    @keys_blp.response(200, PublicKeyResultSchema)
    def put(self, data: dict[str, Any]) -> dict[str, str]:
        """Register the caller's X25519 public key (base64); contact cards are sealed to it."""
        return services.set_public_key(current_community(), data["public_key"], actor_label())

    @keys_blp.doc(security=[{"oauth2": []}])
    @require_scope()
    @keys_blp.response(200, PublicKeyResultSchema)
    def get(self) -> dict[str, str]:
        """Read back the caller's registered public key."""
        community = current_community()
        return {"community": community.slug, "public_key": community.public_key or ""}
