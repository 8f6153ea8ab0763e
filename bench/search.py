"""Benchmark: server time of the global search (the /search/ page, its API and the header's
dropdown) on a plant with many assets and work orders, for the queries a planner types: a word
found in many orders, a misspelling, a tag, an order number, a manufacturer, a phrase of a comment.
Requests go through the whole Django stack (Django's test client, in process) as a planner of
one of two sites.

Runs in a scratch database ``prosync_bench_search`` on the project's server (the embedded one
unless DATABASE_URL is set). Small by default (2,000 assets, 20,000 orders);
``--assets 10000 --orders 200000`` is the size the product is held to (target: p95 under 150 ms).

    .venv/bin/python bench/search.py [--assets N] [--orders N] [--requests R]
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

KINDS = [("P", "Centrifugal pump"), ("C", "Air compressor"), ("M", "Electric motor"), ("G", "Gearbox"),
         ("F", "Cooling tower fan"), ("H", "Heat exchanger"), ("V", "Control valve"), ("B", "Conveyor belt"),
         ("K", "Screw compressor"), ("X", "Hydraulic press")]
MAKERS = ["Atlas Copco", "Grundfos", "Siemens", "SKF", "Sulzer", "ABB", "Flowserve", "Kaeser", "Alfa Laval", "Festo"]
FINDINGS = ["bearing noise on the drive end", "oil leak at the shaft seal", "high vibration after start-up",
            "belt slipping under load", "temperature rising above the limit", "filter clogged, pressure drop",
            "coupling misaligned", "lubrication overdue", "cracked guard replaced", "loose anchor bolts"]
TARGET_P95_MS = 150


def load(n_assets: int, n_orders: int) -> dict:
    from django.db import connection

    from accounts.roles import Role
    from accounts.services import create_user
    from assets.models import Asset, AssetDocument, Location, Part, Site

    sites = [Site.objects.create(code=f"s{i}", name=f"Site {i}") for i in range(2)]
    locations = Location.objects.bulk_create(
        Location(site=sites[i % 2], code=f"L{i:03d}", name=f"{KINDS[i % 10][1]} room {i}", path=f"/{i}/")
        for i in range(200))
    assets = Asset.objects.bulk_create(
        Asset(site=sites[i % 2], location=locations[i % 200], tag=f"{KINDS[i % 10][0]}-{i:05d}",
              name=f"{KINDS[i % 10][1]} {i}", manufacturer=MAKERS[(i // 10) % 10], model_number=f"M{i % 97}",
              serial_number=f"SN{i * 7919 % 1_000_003:07d}", description=FINDINGS[i % 10])
        for i in range(n_assets))
    Part.objects.bulk_create(Part(part_number=f"PN-{i:05d}", name=f"{FINDINGS[i % 10].split()[0].title()} kit {i}",
                                  manufacturer=MAKERS[i % 10]) for i in range(2000))
    AssetDocument.objects.bulk_create(
        AssetDocument(asset=assets[i % len(assets)], title=f"{KINDS[i % 10][1]} manual {i}", file=f"bench/{i}.pdf",
                      original_name=f"manual-{i}.pdf", content_type="application/pdf", size=1000)
        for i in range(2000))
    password = secrets.token_urlsafe(12)  # nobody logs in: the client is forced in
    planner = create_user(username="planner", password=password, role=Role.MANAGER, site_ids=[sites[0].pk])
    findings = "ARRAY[" + ",".join(f"'{f}'" for f in FINDINGS) + "]"
    with connection.cursor() as cur:
        # Generated inside PostgreSQL: an order every few minutes over about four years, mostly closed.
        cur.execute(f"""
            INSERT INTO workorders_workorder (site_id, asset_id, title, description, status, priority, kind,
                source, source_ref, due_at, created_at, updated_at, completed_at, outcome, version,
                actual_hours, labour_cost, parts_cost)
            SELECT a.site_id, a.id,
                   (ARRAY['Inspect ','Repair ','Service ','Replace seal on '])[1 + g.i %% 4] || a.name,
                   'Found ' || ({findings})[1 + (g.i * 31) %% 10] || ' during round ' || g.i,
                   CASE WHEN g.i %% 10 < 7 THEN 'closed' ELSE 'open' END, 'medium', 'corrective', '', '',
                   now() - (g.i * interval '10 minutes') + interval '3 days',
                   now() - (g.i * interval '10 minutes'), now() - (g.i * interval '10 minutes'),
                   NULL, '', 1, 0, 0, 0
            FROM generate_series(1, %(n)s) AS g(i)
            JOIN (SELECT id, site_id, name, row_number() OVER (ORDER BY id) - 1 AS pos FROM assets_asset) a
                 ON a.pos = g.i %% %(nassets)s
        """, {"n": n_orders, "nassets": len(assets)})
    from workorders.models import Comment, WorkOrder, WorkRequest

    # Through the ORM (the fields' defaults), a comment on every fifth order, a request on every fourth asset.
    Comment.objects.bulk_create(
        (Comment(work_order_id=pk, author=planner, body=f"Checked again: {FINDINGS[pk * 13 % 10]}")
         for pk in WorkOrder.objects.values_list("pk", flat=True).iterator() if pk % 5 == 0),
        batch_size=5000)
    WorkRequest.objects.bulk_create(
        WorkRequest(site_id=a.site_id, asset=a, title=f"Problem with {a.name}",
                    description=f"Operator reports {a.description}") for a in assets[::4])
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    orders, comments = WorkOrder.objects.count(), Comment.objects.count()

    some_order = WorkOrder.objects.filter(site=sites[0]).order_by("pk")[min(100, n_orders // 4)]
    return {"planner": planner, "tag": assets[42].tag, "number": some_order.number, "orders": orders,
            "comments": comments}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=2_000)
    parser.add_argument("--orders", type=int, default=20_000)
    parser.add_argument("--requests", type=int, default=30)
    args = parser.parse_args()

    setup_scratch_django("prosync_bench_search")
    from django.conf import settings
    from django.http import HttpResponse
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import path

    t0 = time.perf_counter()
    data = load(args.assets, args.orders)
    setup_s = time.perf_counter() - t0
    queries = {
        "common word": "bearing",  # in a tenth of all orders and their comments
        "misspelling": "compresor",
        "tag": data["tag"],
        "order number": data["number"],
        "manufacturer": "Atlas Copco",
        "phrase": "vibration after start-up",
    }
    endpoints = {"page": "/search/", "api": "/api/v1/search/", "dropdown": "/search/"}
    results, found = {}, {}

    def trivial_user(request):  # the floor of a signed-in page on this machine: session and user loaded
        return HttpResponse(request.user.username)

    import prosync.urls

    urls = types.ModuleType("bench_search_urls")
    urls.urlpatterns = [path("bench/trivial-user/", trivial_user), *prosync.urls.urlpatterns]
    sys.modules["bench_search_urls"] = urls
    with override_settings(ROOT_URLCONF="bench_search_urls", ALLOWED_HOSTS=["*"], DEBUG=False):
        client = Client()
        client.force_login(data["planner"])
        floor = []
        for i in range(args.requests + 5):
            start = time.perf_counter()
            assert client.get("/bench/trivial-user/").status_code == 200
            if i >= 5:
                floor.append((time.perf_counter() - start) * 1000)
        floor_med = statistics.median(floor)
        for qname, q in queries.items():
            for ename, url in endpoints.items():
                headers = {"HTTP_HX_REQUEST": "true"} if ename == "dropdown" else {}
                for _ in range(3):  # warm caches and connections
                    response = client.get(url, {"q": q}, **headers)
                    assert response.status_code == 200, (url, q, response.status_code)
                times = []
                for _ in range(args.requests):
                    start = time.perf_counter()
                    response = client.get(url, {"q": q}, **headers)
                    times.append((time.perf_counter() - start) * 1000)
                    assert response.status_code == 200
                times.sort()
                results[(qname, ename)] = (statistics.median(times), times[max(0, int(len(times) * 0.95) - 1)])
            body = client.get("/api/v1/search/", {"q": q}).json()
            found[qname] = ", ".join(f"{g['count']}{'+' if g['more'] else ''} {g['kind']}" for g in body["groups"])
    print(f"{args.assets:,} assets, {data['orders']:,} work orders, {data['comments']:,} comments (planner of one of "
          f"two sites), {args.requests} requests each, set-up {setup_s:.0f} s, "
          f"database {settings.DATABASES['default']['NAME']}")
    print(f"{'query':<14}{'q':<22}" + "".join(f"{e + ' med':>14}{e + ' p95':>14}" for e in endpoints) + "  found")
    for qname, q in queries.items():
        cells = "".join(f"{results[(qname, e)][0]:>14.1f}{results[(qname, e)][1]:>14.1f}" for e in endpoints)
        print(f"{qname:<14}{q:<22}{cells}  {found[qname]}")
    print(f"floor (trivial signed-in view, same run): median {floor_med:.1f} ms")
    all_p95 = [p for _, p in results.values()]
    worst = max(all_p95)
    print(f"budget p95 < {TARGET_P95_MS} ms: {'met' if worst < TARGET_P95_MS else 'NOT met'} (worst {worst:.1f} ms)")
    slug = {q: q.replace(" ", "_") for q in queries}
    print(json.dumps({"bench": "search", "assets": args.assets, "orders": data["orders"], "comments": data["comments"],
                      **{f"{slug[q]}_{e}_median_ms": round(results[(q, e)][0], 1) for q, e in results},
                      **{f"{slug[q]}_{e}_p95_ms": round(results[(q, e)][1], 1) for q, e in results},
                      "median_ms": round(statistics.median(m for m, _ in results.values()), 1),
                      "max_p95_ms": round(worst, 1), "trivial_user_median_ms": round(floor_med, 1),
                      "budget_met": worst < TARGET_P95_MS}))


if __name__ == "__main__":
    main()
