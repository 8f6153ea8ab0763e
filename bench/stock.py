"""Benchmark: the stock ledger and the parts pages. Issues through ``issue_stock`` one at a time,
then from several threads at once on one hot part (every writer queues on the same row lock) and
on distinct parts; then the server time of the parts list (plain, filtered to low stock, a
search), a part page and the API parts list, next to a trivial Django view measured in the same
run. Median and p95; the ledger is checked against the cached on hand at the end.

Runs against a scratch database ``prosync_bench_stock`` on the project's PostgreSQL server.

    .venv/bin/python bench/stock.py [--parts 2000] [--issues 400] [--threads 4] [--repeats 30]
    .venv/bin/python bench/stock.py --full      # 20,000 parts in 3 storerooms
"""

from __future__ import annotations

import argparse
import json
import secrets
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _scratch import setup_scratch_django  # noqa: E402


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q * (len(values) - 1))))]


def summary(times_s: list[float]) -> dict:
    ms = [t * 1000 for t in times_s]
    return {"median_ms": round(statistics.median(ms), 2), "p95_ms": round(pct(ms, 0.95), 2)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--parts", type=int, default=2000)
    parser.add_argument("--issues", type=int, default=400)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--full", action="store_true", help="20,000 parts")
    args = parser.parse_args()
    if args.full:
        args.parts = 20_000

    setup_scratch_django("prosync_bench_stock")
    from django.db import connection
    from django.test import Client
    from rest_framework.test import APIClient

    from accounts.roles import Role
    from accounts.services import create_user
    from assets import services_parts as parts
    from assets.models import Asset, BomLine, Part, Site, StockLevel, StockMovement, Storeroom

    t0 = time.perf_counter()
    sites = [Site.objects.create(code=f"s{i}", name=f"Site {i}") for i in range(2)]
    rooms = [Storeroom.objects.create(site=sites[0], code="main", name="Main"),
             Storeroom.objects.create(site=sites[0], code="cage", name="Cage"),
             Storeroom.objects.create(site=sites[1], code="main", name="Main")]
    assets = Asset.objects.bulk_create(Asset(site=sites[i % 2], tag=f"A-{i:05d}", name=f"Asset {i}")
                                       for i in range(max(10, args.parts // 10)))
    Part.objects.bulk_create(Part(part_number=f"P-{i:06d}", name=f"Part {i}", category=f"Cat {i % 20}",
                                  manufacturer=f"Maker {i % 50}", unit_cost=i % 300) for i in range(args.parts))
    all_parts = list(Part.objects.order_by("pk"))
    # Opening stock written as ledger rows and cached levels that agree (as the services write them).
    levels, moves = [], []
    for i, part in enumerate(all_parts):
        for room in rooms:
            qty = (i * 7 + room.pk) % 40 + 1
            levels.append(StockLevel(part=part, storeroom=room, on_hand=qty, reorder_point=5, reorder_quantity=20))
            moves.append(StockMovement(part=part, storeroom=room, kind="receipt", quantity=qty, balance_after=qty,
                                       reference="OPENING"))
    StockLevel.objects.bulk_create(levels, batch_size=5000)
    StockMovement.objects.bulk_create(moves, batch_size=5000)
    BomLine.objects.bulk_create((BomLine(asset=assets[i % len(assets)], part=part, quantity=1)
                                 for i, part in enumerate(all_parts)), batch_size=5000, ignore_conflicts=True)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    manager = create_user(username="bench_manager", password=secrets.token_urlsafe(16), role=Role.MANAGER,
                          site_ids=[sites[0].pk])
    load_s = time.perf_counter() - t0

    # --- Writes -----------------------------------------------------------------------------
    hot = Part.objects.create(part_number="HOT-1", name="Hot part")
    parts.receive_stock(hot, rooms[0], args.issues * 2, actor=manager)
    serial = []
    for i in range(args.issues):
        t = time.perf_counter()
        parts.issue_stock(all_parts[i % len(all_parts)], rooms[0], "0.001", actor=manager, reference=f"WO-{i:05d}")
        serial.append(time.perf_counter() - t)

    def threaded(target_parts) -> tuple[float, int]:
        per_thread = args.issues // args.threads
        barrier = threading.Barrier(args.threads)
        errors = []

        def work(n):
            try:
                barrier.wait()
                for i in range(per_thread):
                    part = target_parts(n, i)
                    parts.issue_stock(part, rooms[0], 1 if part.pk == hot.pk else "0.001", actor=manager)
            except Exception as exc:  # noqa: BLE001 - reported below
                errors.append(exc)
            finally:
                connection.close()

        threads = [threading.Thread(target=work, args=(n,)) for n in range(args.threads)]
        t = time.perf_counter()
        for th in threads:
            th.start()
        for th in threads:
            th.join()
        elapsed = time.perf_counter() - t
        if errors:
            raise errors[0]
        return per_thread * args.threads / elapsed, per_thread * args.threads

    hot_rate, hot_n = threaded(lambda n, i: hot)
    spread_rate, _ = threaded(lambda n, i: all_parts[(n * 997 + i * 13) % len(all_parts)])
    hot_on_hand = StockLevel.objects.get(part=hot, storeroom=rooms[0]).on_hand
    assert hot_on_hand == args.issues * 2 - hot_n, hot_on_hand

    # --- Reads ------------------------------------------------------------------------------
    client = Client()
    client.force_login(manager)
    api = APIClient()
    api.force_authenticate(manager)
    part = all_parts[len(all_parts) // 2]
    urls = {  # key: (label, client, url)
        "trivial": ("trivial view (/healthz)", client, "/healthz"),
        "parts_list": ("parts list", client, "/assets/parts/"),
        "parts_low": ("parts list, low stock", client, "/assets/parts/?low_stock=true"),
        "parts_search": ("parts list, search + sort", client, "/assets/parts/?q=Part+12&sort=-on_hand"),
        "part_page": ("part page", client, f"/assets/parts/{part.pk}/"),
        "stock_low": ("stock levels, low", client, "/assets/stock/?low=true"),
        "api_parts": ("API parts list", api, "/api/v1/parts/"),
    }
    reads, labels = {}, {}
    for key, (label, c, url) in urls.items():
        times = []
        for i in range(args.repeats + 3):
            t = time.perf_counter()
            response = c.get(url)
            if i >= 3:  # warm-up
                times.append(time.perf_counter() - t)
            assert response.status_code == 200, (url, response.status_code)
        reads[key], labels[key] = summary(times), label
    base = reads["trivial"]["p95_ms"]
    mismatches = parts.ledger_mismatches()

    print(f"Loaded {args.parts} parts x {len(rooms)} storerooms ({len(moves)} ledger rows) in {load_s:.1f} s")
    print(f"{'issue_stock, one at a time':42} median {summary(serial)['median_ms']:7.2f} ms   "
          f"p95 {summary(serial)['p95_ms']:7.2f} ms")
    print(f"{'issue_stock, ' + str(args.threads) + ' threads, one hot part':42} {hot_rate:9.0f} issues/s "
          "(serialised on the row lock)")
    print(f"{'issue_stock, ' + str(args.threads) + ' threads, distinct parts':42} {spread_rate:9.0f} issues/s")
    print(f"{'page':42} {'median':>9} {'p95':>9} {'p95 / trivial':>14}")
    for key, r in reads.items():
        print(f"{labels[key]:42} {r['median_ms']:7.2f}ms {r['p95_ms']:7.2f}ms {r['p95_ms'] / base:13.1f}x")
    print(f"ledger check: {'consistent' if not mismatches else f'{len(mismatches)} mismatches'}")
    print(json.dumps({"bench": "stock", "parts": args.parts, "issue_median_ms": summary(serial)["median_ms"],
                      "issue_p95_ms": summary(serial)["p95_ms"], "hot_part_issues_per_s": round(hot_rate),
                      "distinct_parts_issues_per_s": round(spread_rate),
                      **{f"{k}_p95_ms": v["p95_ms"] for k, v in reads.items()},
                      "ledger_consistent": not mismatches}))


if __name__ == "__main__":
    main()
