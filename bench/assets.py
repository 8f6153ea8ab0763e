"""Benchmark: server time of the asset register's pages and API on a register of N assets (in
trees under a location tree, with meters, downtime, documents, and spare parts on their bills of
materials), next to a trivial Django view measured in the same run.

Requests go through the whole Django stack in-process (middleware, session, authentication,
scoping, templates or serializers) as a Manager of one site, the common case; the time is the
server's, without a network. The trivial view is a signed-in page rendering the base layout
with no data, so the ratio says what the register itself costs. The cases are taken in turns,
one request of each per round, so that a noisy moment of a shared machine weighs on all alike.

Nothing of a page is cached between requests but the user's access profile: every request
counts its rows, scopes its filter choices and reads its rows. The first three URLs of each case
are asked for once before measuring. 200 rounds by default, so that a p95 is the tenth slowest of
its case. Each case's query count is printed for a page of many rows and for one of few rows:
the budget is p95 < 100 ms with query counts independent of the row count.
After the load the database is vacuumed, as autovacuum would soon do, and the process's loaded
objects are frozen out of the garbage collector's reach, as the server's workers do.

Runs in a scratch database ``prosync_bench_assets`` on the project's server (the embedded one
unless DATABASE_URL is set). The issue's size is the default:

    .venv/bin/python bench/assets.py [--assets 10000] [--repeats 200]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import secrets
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import setup_scratch_django  # noqa: E402

urlpatterns = []  # filled in main(): the project's URLs plus the trivial page


def trivial_page(request):
    from django.shortcuts import render

    return render(request, "base.html", {})


def load(n_assets: int) -> dict:
    """The register: two sites (the measured one holds ~90%), a location tree per site
    (buildings > lines > rooms), assets in trees of three levels, meters, downtime, documents,
    parts with stock and bills of materials (when the parts models exist)."""
    from django.apps import apps
    from django.utils import timezone

    from accounts.roles import Role
    from accounts.services import create_user
    from assets.models import Asset, AssetCategory, AssetDocument, Downtime, Location, Meter, Site

    rng = random.Random(7)
    now = timezone.now()
    big = Site.objects.create(code="north", name="North Plant")
    small = Site.objects.create(code="south", name="South Depot")
    cats = [AssetCategory.objects.create(name=n, attribute_schema=[
        {"key": "rated_power_kw", "type": "number", "unit": "kW"},
        {"key": "ip_rating", "type": "choice", "choices": ["IP54", "IP55", "IP66"]}])
        for n in ("Centrifugal pump", "Electric motor", "Air compressor", "Gearbox", "Conveyor", "Fan")]

    rooms = {}
    for site in (big, small):
        locs = []
        for b in range(5):
            building = Location(site=site, code=f"B{b}", name=f"Building {b}", kind="building")
            locs.append((building, None))
            for line_no in range(4):
                line = Location(site=site, code=f"B{b}-L{line_no}", name=f"Line {line_no}", kind="line")
                locs.append((line, building))
                for r in range(5):
                    locs.append((Location(site=site, code=f"B{b}-L{line_no}-R{r}", name=f"Room {r}", kind="room"),
                                 line))
        for loc, parent in locs:  # parents first, so each one has its id and path when its children come
            loc.parent = parent
            loc.save()
            loc.path = f"{parent.path if parent else '/'}{loc.pk}/"
            loc.depth = loc.path.count("/") - 2
            loc.save(update_fields=["path", "depth"])
        rooms[site.pk] = [loc for loc, _ in locs if loc.kind == "room"]

    statuses = ["operational"] * 85 + ["degraded"] * 8 + ["down"] * 5 + ["decommissioned"] * 2
    assets: list[Asset] = []

    def make(site, parent, tag, name, room):
        return Asset(site=site, parent=parent, location=room, category=rng.choice(cats), tag=tag, name=name,
                     status=rng.choice(statuses), criticality=rng.choice("ABC"), manufacturer=rng.choice(
                         ["Grundfos", "ABB", "Siemens", "Atlas Copco", "SKF"]), serial_number=f"SN{len(assets):07d}",
                     warranty_end=(now + timedelta(days=rng.randint(-400, 900))).date(),
                     attributes={"rated_power_kw": rng.choice([5.5, 11, 22, 45]), "ip_rating": "IP55"})

    per_tree = 10  # a line unit with 3 machines, each with 2 components
    trees = n_assets // per_tree
    for t in range(trees):
        site = big if t % 10 else small
        room = rng.choice(rooms[site.pk])
        top = make(site, None, f"U-{t:05d}", f"Unit {t}", room)
        assets.append(top)
    Asset.objects.bulk_create(assets)
    machines = []
    for top in list(assets):
        for m in range(3):
            machines.append(make(top.site, top, f"{top.tag}-M{m}", f"Machine {m} of {top.name}", top.location))
    Asset.objects.bulk_create(machines)
    components = []
    for machine in machines:
        for c in range(2):
            components.append(make(machine.site, machine, f"{machine.tag}-C{c}", f"Component {c}", machine.location))
    Asset.objects.bulk_create(components)
    everything = assets + machines + components

    meters = [Meter(asset=a, name="Running hours", current_value=rng.randint(0, 40000)) for a in machines]
    Meter.objects.bulk_create(meters)
    downtime = []
    for a in everything:
        if rng.random() < 0.3:
            start = now - timedelta(days=rng.randint(1, 80), hours=rng.randint(0, 23))
            for k in range(3):
                began = start + timedelta(days=k * 7)
                ended = began + timedelta(hours=rng.randint(1, 30))
                downtime.append(Downtime(asset=a, started_at=began, ended_at=ended,
                                         reason_code=rng.choice(["breakdown", "planned_maintenance", "other"])))
    Downtime.objects.bulk_create(downtime)
    docs = [AssetDocument(asset=a, title=f"Manual {a.tag}", file=f"bench/{a.pk}.pdf", original_name="manual.pdf",
                          content_type="application/pdf", size=123456) for a in assets]
    AssetDocument.objects.bulk_create(docs)

    parts = bom = 0
    if "part" in {m._meta.model_name for m in apps.get_app_config("assets").get_models()}:
        from assets.models import BomLine, Part

        catalogue = Part.objects.bulk_create([Part(part_number=f"PN-{i:05d}", name=f"Spare {i}", unit_cost=rng.randint(
            1, 900)) for i in range(1000)])
        lines = [BomLine(asset=m, part=p, quantity=rng.randint(1, 4)) for m in machines
                 for p in rng.sample(catalogue, 2)]
        BomLine.objects.bulk_create(lines)
        parts, bom = len(catalogue), len(lines)

    manager = create_user(username="bench-manager", password=secrets.token_urlsafe(16), role=Role.MANAGER,
                          site_ids=[big.pk])
    return {"site": big, "manager": manager, "assets": len(everything), "downtime": len(downtime), "parts": parts,
            "bom_lines": bom, "locations": Location.objects.count(),
            "building": Location.objects.filter(site=big, kind="building").first(),
            "one_tag": next(a.tag for a in everything if a.site_id == big.pk and a.parent_id),
            "sample": [a.pk for a in rng.sample([a for a in everything if a.site_id == big.pk and a.parent_id], 50)]}


def measure(client, cases: dict[str, list[str]], repeats: int) -> dict[str, list[float]]:
    """Server time of each case's requests, taken in turns (one request of each case per round),
    so that a noisy moment of a shared machine weighs on every case alike, the trivial page too."""
    for urls in cases.values():
        for url in urls[:3]:  # warm-up: connections, template caches
            assert client.get(url).status_code == 200, url
    times: dict[str, list[float]] = {name: [] for name in cases}
    for i in range(repeats):
        for name, urls in cases.items():
            url = urls[i % len(urls)]
            t0 = time.perf_counter()
            response = client.get(url)
            times[name].append((time.perf_counter() - t0) * 1000)
            assert response.status_code == 200, (url, response.status_code)
    return times


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--assets", type=int, default=10_000)
    parser.add_argument("--repeats", type=int, default=200)
    args = parser.parse_args()

    os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost")
    setup_scratch_django("prosync_bench_assets")
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import clear_url_caches, include, path

    urlpatterns[:] = [path("bench-trivial/", trivial_page), path("", include("prosync.urls"))]
    settings.ROOT_URLCONF = __name__
    clear_url_caches()

    t0 = time.perf_counter()
    data = load(args.assets)
    load_s = time.perf_counter() - t0
    with connection.cursor() as cur:
        cur.execute("VACUUM ANALYZE")  # what autovacuum does soon after a load: visibility maps for index-only scans

    client = Client()
    client.force_login(data["manager"])
    # As the server's workers do once loaded (prosync/asgi.py): what is loaded is kept out of the
    # collector's reach, or a full collection walks the whole process inside one measured request.
    from prosync.heap import freeze_startup_objects

    freeze_startup_objects()
    building = data["building"]
    cases = {
        "trivial page": ["/bench-trivial/"],
        "asset list": ["/assets/", "/assets/?page=7", "/assets/?sort=-name", "/assets/?sort=warranty"],
        "filtered list": [f"/assets/?location={building.pk}&status=operational&criticality=A&q=machine",
                          "/assets/?status=down&warranty=90", "/assets/?q=SN00012&category=2",
                          f"/assets/?location={building.pk}&is_root=true&sort=-criticality"],
        "asset detail": [f"/assets/{pk}/" for pk in data["sample"]],
        "API list": ["/api/v1/assets/", "/api/v1/assets/?page=5", "/api/v1/assets/?status=degraded&ordering=-tag",
                     "/api/v1/assets/?search=Unit"],
    }
    one = data["one_tag"]  # a search that finds a single asset
    # The filtered case's first URL narrowed to one asset that it lists: the same filters, one row.
    from assets.models import Asset

    match = Asset.objects.filter(site=data["site"], location__path__startswith=building.path, status="operational",
                                 criticality="A", name__icontains="machine").order_by("pk").first()
    few_rows = {"asset list": f"/assets/?q={one}",
                "filtered list": f"{cases['filtered list'][0]}&q={match.tag}" if match else cases["filtered list"][0],
                "asset detail": f"/assets/{data['sample'][1]}/", "API list": f"/api/v1/assets/?search={one}",
                "trivial page": "/bench-trivial/"}

    def queries_of(url: str) -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(url)
        return len(queries.captured_queries)

    results = {}
    for name, times in measure(client, cases, args.repeats).items():
        results[name] = (statistics.median(times), p95(times), queries_of(cases[name][0]), queries_of(few_rows[name]))

    print(f"register: {data['assets']:,} assets ({data['locations']} locations, {data['downtime']:,} downtime records, "
          f"{data['parts']:,} parts on {data['bom_lines']:,} BOM lines), loaded in {load_s:.1f} s; "
          f"{args.repeats} requests each, taken in turns, as a Manager of the larger site")
    trivial_median = results["trivial page"][0]
    print(f"{'request':<16}{'median ms':>11}{'p95 ms':>9}{'median / trivial':>18}{'queries':>9}{'few rows':>10}")
    for name, (med, high, q, q_few) in results.items():
        print(f"{name:<16}{med:>11.1f}{high:>9.1f}{med / trivial_median:>18.1f}{q:>9}{q_few:>10}")
    worst = max(v[1] for k, v in results.items() if k != "trivial page")
    same = all(v[2] == v[3] for v in results.values())
    print(f"budget p95 < 100 ms: {'met' if worst < 100 else 'NOT met'} (worst {worst:.1f} ms); "
          f"query counts independent of the row count: {'yes' if same else 'NO'}")
    print(json.dumps({"bench": "assets", "assets": data["assets"], "repeats": args.repeats,
                      **{f"{k.replace(' ', '_')}_median_ms": round(v[0], 2) for k, v in results.items()},
                      **{f"{k.replace(' ', '_')}_p95_ms": round(v[1], 2) for k, v in results.items()},
                      **{f"{k.replace(' ', '_')}_queries": v[2] for k, v in results.items()},
                      "worst_p95_ms": round(worst, 2), "queries_independent_of_rows": same}))


if __name__ == "__main__":
    main()
