"""``/api/v1/profiles``: nodes push batches of anonymized profiles and full snapshots."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from hub.idempotency.api import KEY_DOC, answer, idempotent
from hub.profiles.services import apply_batch, apply_snapshot
from hub.security import actor_label, current_caller, require_scope
from shared.protocol import (
    BatchResultSchema,
    ProfileBatchSchema,
    SnapshotResultSchema,
    SnapshotSchema,
)

blp = Blueprint(
    "profiles",
    __name__,
    url_prefix="/profiles",
    description="Anonymized connector profiles a node lists in the national directory.",
)


@blp.route("/batch")
class ProfileBatch(MethodView):
    @blp.doc(security=[{"oauth2": ["profiles:write"]}], **KEY_DOC)
    @require_scope("profiles:write")
    @idempotent
    @blp.arguments(ProfileBatchSchema)
    @blp.response(200, BatchResultSchema)
    def post(self, data: dict[str, Any]) -> Response:
        """Upsert or tombstone 1–500 profiles; valid items apply, invalid ones are rejected."""
        results = apply_batch(current_caller(), data["items"], actor_label())
        # The results are already exactly BatchResultSchema's dump (plain str/int/dict
        # values): dumping 100 of them through marshmallow cost ~1.5 ms per batch.
        return answer({"results": results})


@blp.route("/snapshot")
class ProfileSnapshot(MethodView):
    @blp.doc(security=[{"oauth2": ["profiles:write"]}])
    @require_scope("profiles:write")
    @blp.arguments(SnapshotSchema)
    @blp.response(200, SnapshotResultSchema)
    def put(self, data: dict[str, Any]) -> dict[str, int]:
        """Tombstone every profile of the caller not listed and held below ``version``."""
        return apply_snapshot(current_caller(), data["refs"], data["version"], actor_label())
