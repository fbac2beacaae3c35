"""/api/v1/partners and connectors' invitation links."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from community_node.pagination import Page
from community_node.recruitment import services
from community_node.recruitment.models import Partner, RecruitingNeed
from community_node.recruitment.schemas import (
    InvitationSchema,
    PartnerListArgsSchema,
    PartnerPageSchema,
    PartnerSchema,
    RecruitingNeedSchema,
)
from community_node.security import actor_label, require_api_caller

partners_blp = Blueprint(
    "partners",
    __name__,
    url_prefix="/partners",
    description="Partner organisations, their contacts and recruiting needs.",
)
require_api_caller(partners_blp)

invitations_blp = Blueprint(
    "invitations",
    __name__,
    url_prefix="/invitations",
    description="Each connector's personal link to the connector sign-up form.",
)
require_api_caller(invitations_blp)


@partners_blp.route("")
class Partners(MethodView):
    @partners_blp.arguments(PartnerListArgsSchema, location="query")
    @partners_blp.response(200, PartnerPageSchema)
    def get(self, args: dict[str, Any]) -> Page:
        """List partners by kind, active flag or words of the name."""
        return services.list_partners(args)

    @partners_blp.arguments(PartnerSchema)
    @partners_blp.response(201, PartnerSchema)
    def post(self, data: dict[str, Any]) -> Partner:
        """Add a partner organisation with its contacts."""
        return services.create_partner(data, actor=actor_label())


@partners_blp.route("/<int:partner_id>")
class PartnerItem(MethodView):
    @partners_blp.response(200, PartnerSchema)
    def get(self, partner_id: int) -> Partner:
        """Read one partner with its contacts and recruiting needs."""
        return services.get_partner(partner_id)

    @partners_blp.arguments(PartnerSchema(partial=True))
    @partners_blp.response(200, PartnerSchema)
    def patch(self, data: dict[str, Any], partner_id: int) -> Partner:
        """Change some fields; ``contacts`` replaces the whole list."""
        return services.update_partner(partner_id, data, actor=actor_label())


@partners_blp.route("/<int:partner_id>/needs")
class Needs(MethodView):
    @partners_blp.arguments(RecruitingNeedSchema)
    @partners_blp.response(201, RecruitingNeedSchema)
    def post(self, data: dict[str, Any], partner_id: int) -> RecruitingNeed:
        """Record a recruiting need (employers and chambers); it lifts the demand signal."""
        return services.add_need(partner_id, data, actor=actor_label())


@partners_blp.route("/<int:partner_id>/needs/<int:need_id>")
class NeedItem(MethodView):
    @partners_blp.response(204)
    def delete(self, partner_id: int, need_id: int) -> None:
        """Remove a recruiting need."""
        services.delete_need(partner_id, need_id, actor=actor_label())


@invitations_blp.route("/<int:connector_id>")
class Invitation(MethodView):
    @invitations_blp.response(200, InvitationSchema)
    def get(self, connector_id: int) -> dict[str, Any]:
        """A connector's invitation link; whoever signs up through it is their invitee."""
        url = services.invitation_url(connector_id)
        return {"connector_id": connector_id, "token": url.rpartition("=")[2], "url": url}
