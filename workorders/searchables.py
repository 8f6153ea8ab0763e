"""What the work-order app offers to the header's global search: work orders (with their comments)
and requests."""

import re

from django.db.models import Q

from prosync.core.search import Searchable, register

COMMENT_MATCHES = 200  # orders found through their comments: as many as the candidates of one kind


def _number(prefix: str):
    """The row numbered as typed: "WO-00123", "wo 123", "#123" or "123" (requests: "REQ-00123")."""
    pattern = re.compile(rf"^(?:{prefix}[\s-]*|#)?0*(\d{{1,12}})$", re.IGNORECASE)

    def exact(q: str) -> Q | None:
        m = pattern.match(q.strip())
        return Q(pk=int(m.group(1))) if m else None

    return exact


def _commented(query) -> list[int]:
    from workorders.models import Comment

    return list(Comment.objects.filter(search_document=query).order_by("-pk")
                .values_list("work_order_id", flat=True)[:COMMENT_MATCHES])


def _order_context(order) -> str:
    asset = f"{order.asset.tag} {order.asset.name}" if order.asset_id else ""
    return " · ".join(x for x in (order.get_status_display(), order.get_priority_display() + " priority",
                                  asset, order.site.name) if x)


def _request_context(request) -> str:
    asset = f"{request.asset.tag} {request.asset.name}" if request.asset_id else ""
    return " · ".join(x for x in (request.get_status_display(), asset, request.site.name) if x)


def register_searchables() -> None:
    from workorders.models import WorkOrder, WorkRequest

    register(Searchable(
        "work_order", "Work orders", WorkOrder, document="search_document", similar=("title",),
        exact=_number("wo"), elsewhere=_commented, context=_order_context, select_related=("asset", "site"),
        order=30))
    register(Searchable(
        "request", "Requests", WorkRequest, document="search_document", similar=("title",),
        exact=_number("req"), context=_request_context, select_related=("asset", "site"), order=40))
