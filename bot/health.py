"""`GET /healthz`: can this process answer patients, and with what?

200 whenever the bot can answer, even on a broken FAQ edit (the last good version serves)
or with the database down (answers go out; the log, handoffs and deletion wait): a platform
that restarts on non-200 would only restart into the same state. 503 only while draining.
The body names versions, times and states; never secrets, URLs of the database or any text
a patient sent.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app

bp = Blueprint("health", __name__)

DATABASE_DOWN = ("database unavailable: answering without the question log, handoff silence, history deletion "
                 "or shared de-duplication")
FAQ_REJECTED = "the last FAQ edit was rejected: the previous version is serving (see faq_error)"


def health(runtime: Any) -> tuple[dict[str, Any], int]:
    """The /healthz body and status for a `webapp.Runtime`."""
    answerer = runtime.answerer()
    faq = runtime.faq.status()
    database = "ok" if runtime.store.healthy() else "unavailable"
    body: dict[str, Any] = {
        "status": "ok",
        # The version that answers right now (a test may swap the provider) and what the watcher saw.
        "faq_version": answerer.version,
        "faq_entries": len(answerer.knowledge.entries),
        "faq_last_reload": faq["faq_last_reload"],
        "faq_error": faq["faq_error"],
        "database": database,
        "line": "configured" if runtime.configured else "not-configured",
        "staff_notify": "configured" if runtime.notifier is not None else "off",
        "pending": runtime.dispatcher.pending,
    }
    notes = []
    if database != "ok":
        notes.append(DATABASE_DOWN)
    if faq["faq_error"]:
        notes.append(FAQ_REJECTED)
    if notes:
        body.update(status="degraded", notes=notes)
    if not runtime.dispatcher.accepting:
        return {**body, "status": "draining"}, 503
    return body, 200


@bp.get("/healthz")
def healthz():
    return health(current_app.extensions["faqbot"])
