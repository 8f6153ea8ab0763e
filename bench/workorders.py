"""Benchmark: server time of the work-order pages with many orders: the list, a filtered list,
the kanban board and an order page, beside a trivial Django view measured in the same run (the
floor of the stack: middleware, session, user). Requests go through the whole Django stack
(Django's test client, in process), as a planner of one of two sites would make them.

Runs in a scratch database ``prosync_bench_workorders`` on the project's server (the embedded
one unless DATABASE_URL is set). Small by default (20,000 orders); ``--orders 200000`` is the
size the product is held to (target: p95 under 100 ms).

    .venv/bin/python bench/workorders.py [--orders N] [--requests R]
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import time
import types
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import setup_scratch_django  # noqa: E402

# Status mix of a plant with a few years of history: most orders closed.
STATUS_MIX = [("closed", 60), ("completed", 8), ("cancelled", 5), ("open", 10), ("assigned", 6),
              ("in_progress", 6), ("on_hold", 5)]


def load(n_orders: int) -> dict:
    from django.db import connection

    from accounts.roles import Role
    from accounts.services import create_user
    from assets.models import Asset, AssetCategory, Site
    from workorders import services
    from workorders.models import ChecklistTemplate, ChecklistTemplateItem

    sites = [Site.objects.create(code=f"s{i}", name=f"Site {i}") for i in range(2)]
    cat = AssetCategory.objects.create(name="Pump")
    assets = Asset.objects.bulk_create([Asset(site=sites[i % 2], category=cat, tag=f"P-{i:04d}", name=f"Pump {i}")
                                        for i in range(400)])
    password = secrets.token_urlsafe(12)  # nobody logs in: the client is forced in
    techs = [create_user(username=f"tech{i}", password=password, role=Role.TECHNICIAN,
                         site_ids=[sites[i % 2].pk]) for i in range(20)]
    planner = create_user(username="planner", password=password, role=Role.MANAGER, site_ids=[sites[0].pk])
    statuses = "ARRAY[" + ",".join(",".join([f"'{s}'"] * w) for s, w in STATUS_MIX) + "]"
    with connection.cursor() as cur:
        # Generated inside PostgreSQL: an order every few minutes over about four years.
        cur.execute(f"""
            INSERT INTO workorders_workorder (site_id, asset_id, title, description, status, priority, kind,
                assignee_id, source, source_ref, due_at, created_at, updated_at, completed_at, outcome, version,
                actual_hours, labour_cost, parts_cost)
            SELECT a.site_id, a.id, 'Inspect ' || a.tag || ' #' || g.i, 'Generated order ' || g.i,
                   st.s, (ARRAY['low','medium','medium','high','urgent'])[1 + g.i %% 5],
                   (ARRAY['corrective','preventive','predictive','inspection','emergency'])[1 + g.i %% 5],
                   (%(techs)s::bigint[])[1 + g.i %% %(ntech)s], '', '',
                   now() - (g.i * interval '10 minutes') + interval '3 days',
                   now() - (g.i * interval '10 minutes'), now() - (g.i * interval '10 minutes'),
                   CASE WHEN st.s IN ('completed','closed') THEN now() - (g.i * interval '10 minutes') END,
                   '', 1, 0, 0, 0
            FROM generate_series(1, %(n)s) AS g(i)
            JOIN (SELECT id, site_id, tag, row_number() OVER (ORDER BY id) - 1 AS pos FROM assets_asset) a
                 ON a.pos = g.i %% %(nassets)s
            CROSS JOIN LATERAL (SELECT ({statuses})[1 + (g.i * 7919) %% 100] AS s) st
        """, {"techs": [t.pk for t in techs], "ntech": len(techs), "n": n_orders, "nassets": len(assets)})
        cur.execute("ANALYZE workorders_workorder")
    template = ChecklistTemplate.objects.create(name="Round")
    ChecklistTemplateItem.objects.bulk_create(ChecklistTemplateItem(template=template, position=i, label=f"Check {i}",
                                                                    kind="pass_fail") for i in range(8))
    detail = services.create_work_order(actor=planner, asset=assets[0], title="Bench order", kind="inspection",
                                        assignees=techs[:3:2])
    services.attach_checklist(detail, template, actor=planner)
    for i in range(10):
        services.add_comment(detail, f"Comment {i} @tech0", actor=planner)
    services.log_time(detail, actor=techs[0], hours=2)
    return {"planner": planner, "detail": detail}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()

    setup_scratch_django("prosync_bench_workorders")
    from django.conf import settings
    from django.http import HttpResponse
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import path

    t0 = time.perf_counter()
    data = load(args.orders)
    setup_s = time.perf_counter() - t0

    def trivial(request):
        return HttpResponse("ok")

    def trivial_user(request):  # the floor of a logged-in page: session and user loaded
        return HttpResponse(request.user.username)

    import prosync.urls

    urls = types.ModuleType("bench_workorder_urls")
    urls.urlpatterns = [path("bench/trivial/", trivial), path("bench/trivial-user/", trivial_user),
                        *prosync.urls.urlpatterns]
    sys.modules["bench_workorder_urls"] = urls

    pages = {
        "trivial view": "/bench/trivial/",
        "trivial + user": "/bench/trivial-user/",
        "list": "/work-orders/",
        "filtered list": "/work-orders/?status=in_progress&status=on_hold&priority=high&sort=due",
        "board": "/work-orders/board/",
        "order detail": f"/work-orders/{data['detail'].pk}/",
    }
    one = data["detail"].number  # a search that finds a single order
    few_rows = {"list": f"/work-orders/?q={one}", "filtered list": f"/work-orders/?q={one}&priority=medium",
                "board": f"/work-orders/board/?q={one}", "order detail": pages["order detail"]}
    results, queries = {}, {}
    with override_settings(ROOT_URLCONF="bench_workorder_urls", ALLOWED_HOSTS=["*"], DEBUG=False):
        client = Client()
        client.force_login(data["planner"])
        for name, url in pages.items():
            for _ in range(5):  # warm caches and connections
                assert client.get(url).status_code == 200, url
            times = []
            for _ in range(args.requests):
                start = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
            times.sort()
            results[name] = (statistics.median(times), times[int(len(times) * 0.95) - 1])
            if name in few_rows:
                queries[name] = tuple(_queries(client, u) for u in (url, few_rows[name]))
    trivial_med = results["trivial view"][0]
    print(f"{args.orders:,} work orders (planner of one of two sites), {args.requests} requests per page, "
          f"set-up {setup_s:.0f} s, database {settings.DATABASES['default']['NAME']}")
    print(f"{'page':<16}{'median ms':>11}{'p95 ms':>10}{'x trivial':>11}{'queries':>9}{'few rows':>10}")
    for name, (med, p95) in results.items():
        many, few = queries.get(name, ("", ""))
        print(f"{name:<16}{med:>11.1f}{p95:>10.1f}{med / trivial_med:>11.1f}{many:>9}{few:>10}")
    worst = max(p for n, (_, p) in results.items() if not n.startswith("trivial"))
    same = all(many == few for many, few in queries.values())
    print(f"budget p95 < 100 ms: {'met' if worst < 100 else 'NOT met'} (worst {worst:.1f} ms); "
          f"query counts independent of the row count: {'yes' if same else 'NO'}")
    slug = {name: name.replace(" + ", "_").replace(" ", "_") for name in results}
    print(json.dumps({"bench": "workorders", "orders": args.orders,
                      **{f"{slug[n]}_median_ms": round(m, 1) for n, (m, _) in results.items()},
                      **{f"{slug[n]}_p95_ms": round(p, 1) for n, (_, p) in results.items()},
                      "max_page_p95_ms": round(max(p for n, (_, p) in results.items()
                                                   if not n.startswith("trivial")), 1),
                      **{f"{slug[n]}_queries": q[0] for n, q in queries.items()}, "queries_independent_of_rows": same}))


def _queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200, url
    return len(captured.captured_queries)


if __name__ == "__main__":
    main()
