"""Demo work: failure codes, SLA table, teams, checklist templates and labour rates, and orders in
every status on the demo plant with checklists, a follow-up, comments, time and parts; all
written through the services. Idempotent: nothing is added when the catalogue is already there."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

FAILURE_CODES = [
    ("problem", "VIB", "Excessive vibration"), ("problem", "LEAK", "Leak"), ("problem", "NOISE", "Abnormal noise"),
    ("problem", "TEMP", "Overheating"), ("problem", "TRIP", "Trips / will not start"),
    ("problem", "DMG", "Damaged or worn"), ("cause", "WEAR", "Wear and tear"),
    ("cause", "BRG", "Bearing wear"), ("cause", "MIS", "Misalignment"), ("cause", "SEAL", "Seal failure"),
    ("cause", "LUB", "Lack of lubrication"), ("cause", "ELEC", "Electrical fault"),
    ("remedy", "RPL", "Replaced part"), ("remedy", "ALN", "Re-aligned"), ("remedy", "LUBE", "Lubricated"),
    ("remedy", "ADJ", "Adjusted / tightened"), ("remedy", "NONE", "No action needed"),
]
SLA = {"urgent": timedelta(hours=4), "high": timedelta(hours=24), "medium": timedelta(days=3),
       "low": timedelta(days=7)}
TEMPLATES = {
    "Pump round": [
        ("Guard in place", "pass_fail", "", None, None),
        ("No leaks at the seal", "pass_fail", "", None, None),
        ("Bearing temperature", "number", "°C", 10, 70),
        ("Vibration (velocity)", "number", "mm/s", None, 4.5),
        ("Remarks", "text", "", None, None),
    ],
    "Compressor service": [
        ("Air filter replaced", "pass_fail", "", None, None),
        ("Oil level", "pass_fail", "", None, None),
        ("Discharge temperature", "number", "°C", None, 95),
        ("Photo of the oil sight glass", "photo", "", None, None),
    ],
}


@transaction.atomic
def load_demo_work() -> int:
    from accounts.models import User
    from assets.models import Asset, Part, Site, Storeroom
    from workorders import services
    from workorders.models import (
        ChecklistItem,
        ChecklistTemplate,
        ChecklistTemplateItem,
        FailureCode,
        LabourRate,
        SlaPolicy,
        Team,
        TimeEntry,
    )

    if FailureCode.objects.exists():
        return 0
    codes = {code: FailureCode.objects.create(kind=kind, code=code, description=text)
             for kind, code, text in FAILURE_CODES}
    for priority, within in SLA.items():
        SlaPolicy.objects.get_or_create(priority=priority, defaults={"resolve_within": within})
    templates = {}
    for name, items in TEMPLATES.items():
        templates[name] = ChecklistTemplate.objects.create(name=name)
        ChecklistTemplateItem.objects.bulk_create(
            ChecklistTemplateItem(template=templates[name], position=i + 1, label=label, kind=kind, unit=unit,
                                  min_value=lo, max_value=hi) for i, (label, kind, unit, lo, hi) in enumerate(items))
    users = {u.username: u for u in User.objects.filter(username__in=["manager", "tech.north", "tech.south"])}
    if len(users) < 3:
        return 0
    manager, tech, tech_s = users["manager"], users["tech.north"], users["tech.south"]
    for user, rate in ((tech, "48.00"), (tech_s, "46.00"), (manager, "65.00")):
        LabourRate.objects.get_or_create(user=user, defaults={"hourly_rate": Decimal(rate)})
    north, south = Site.objects.get(code="north"), Site.objects.get(code="south")
    crew = Team.objects.create(site=north, name="North mechanics")
    crew.members.add(tech)
    Team.objects.create(site=south, name="South crew").members.add(tech_s)

    def asset(tag):
        return Asset.objects.get(tag=tag)

    now = timezone.now()
    made = 0

    def order(a, title, **fields):
        nonlocal made
        made += 1
        return services.create_work_order(actor=manager, asset=a, title=title, **fields)

    def move(wo, *statuses, by=tech, **kw):
        for status in statuses:
            wo = services.transition_work_order(wo, status, actor=by, **(kw if status == statuses[-1] else {}))
        return wo

    def back_date(entry, minutes):
        TimeEntry.objects.filter(pk=entry.pk).update(started_at=now - timedelta(minutes=minutes),
                                                     ended_at=now - timedelta(minutes=minutes) + timedelta(hours=1))

    # Today's round for the north technician: assigned, with a checklist, scheduled now.
    round_ = order(asset("NP-102"), "Weekly pump round NP-102", kind="inspection", assignee=tech,
                   scheduled_start=now, due_at=now + timedelta(hours=8))
    services.attach_checklist(round_, templates["Pump round"], actor=manager)
    # In progress, checklist partly filled with a failed reading and its follow-up; a running timer.
    running = order(asset("NP-101"), "Pump NP-101 vibration check", kind="inspection", priority="high",
                    assignee=tech, team=crew)
    services.attach_checklist(running, templates["Pump round"], actor=manager)
    move(running, "in_progress")
    items = list(ChecklistItem.objects.filter(work_order=running))
    services.record_checklist_result(items[0], actor=tech, passed=True)
    services.record_checklist_result(items[1], actor=tech, passed=True)
    services.record_checklist_result(items[3], actor=tech, number=7.1)
    services.create_follow_up(items[3], actor=tech)
    made += 1
    services.add_comment(running, "Velocity 7.1 mm/s on the drive end, @manager: follow-up raised for the bearing.",
                         actor=tech)
    services.start_timer(running, actor=tech)
    # On hold waiting for parts; time logged before.
    held = order(asset("NC-101"), "Compressor NC-101 oil leak", kind="corrective", priority="medium", assignee=tech)
    move(held, "in_progress")
    services.log_time(held, actor=tech, hours=Decimal("1.5"), note="found the leak at the oil cooler hose")
    move(held, "on_hold", note="waiting for a new hose")
    # Completed and closed corrective orders, with codes, time and parts.
    seal = Part.objects.filter(part_number="SEAL-MG1-40").first()
    store = Storeroom.objects.filter(site=north, code="main").first()
    done = order(asset("NP-103"), "Replace mechanical seal NP-103", kind="corrective", priority="high",
                 assignee=tech, due_at=now - timedelta(days=2))
    move(done, "in_progress")
    if seal is not None and store is not None:
        services.issue_part(done, part=seal, storeroom=store, quantity=1, actor=tech)
    back_date(services.log_time(done, actor=tech, hours=Decimal("3")), 60 * 30)
    move(done, "completed", problem_code=codes["LEAK"], cause_code=codes["SEAL"], remedy_code=codes["RPL"],
         note="seal replaced, no leak after 30 min run")
    closed = order(asset("NM-101"), "Motor NM-101 tripping", kind="emergency", priority="urgent", assignee=tech)
    move(closed, "in_progress")
    services.log_time(closed, actor=tech, hours=Decimal("2.25"))
    move(closed, "completed", problem_code=codes["TRIP"], cause_code=codes["ELEC"], remedy_code=codes["ADJ"])
    move(closed, "closed", by=manager, note="checked by the planner")
    # Open and unassigned, overdue; cancelled; a south-site order.
    order(asset("NF-101"), "Fan NF-101 belt squeal", kind="corrective", priority="low",
          due_at=now - timedelta(hours=5))
    cancelled = order(asset("NF-201"), "Duplicate: fan belt", kind="corrective", priority="low")
    move(cancelled, "cancelled", by=manager, note="duplicate of the NF-101 order")
    south_job = order(asset("SC-101"), "Compressor SC-101 service", kind="preventive", priority="medium",
                      assignee=tech_s, due_at=now + timedelta(days=2))
    services.attach_checklist(south_job, templates["Compressor service"], actor=manager)
    return made
