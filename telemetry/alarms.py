"""Alarm rules: their evaluation on every ingested batch and by the stale-sensor check, and the
rule writes.

Evaluation is per batch, not per reading: one query finds the rules of the batch's sensors
(per sensor, or per category and metric), one locks their states, and the readings are then
stepped through in memory. The state of each (rule, sensor) lives in the database, so every
ingesting process (web, MQTT worker, CSV task) continues the same evaluation.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

import numpy as np
from django.db import connection, transaction
from django.utils import timezone

from prosync.core.recording import record
from telemetry.alerts import close_alert, raise_alert
from telemetry.choices import ACTIVE_ALERT_STATUSES, AlarmCondition, AlertSource
from telemetry.eventlog import record_event
from telemetry.models import AlarmRule, AlarmState, Alert, Sensor

logger = logging.getLogger(__name__)

# A work order in this status means maintenance is under way on the asset (workorders' value;
# telemetry does not import workorders and reads it through the reverse relation).
MAINTENANCE_STATUS = "in_progress"

RULES = AlarmRule._meta.db_table
SENSORS = Sensor._meta.db_table

_PAIRS_SQL = f"""
    SELECT r.id, s.id
    FROM {SENSORS} s
    JOIN assets_asset a ON a.id = s.asset_id
    JOIN {RULES} r ON r.is_enabled AND (
        r.sensor_id = s.id
        OR (r.sensor_id IS NULL AND r.category_id = a.category_id AND r.metric = s.metric AND r.site_id = a.site_id))
    WHERE s.is_active AND {{where}}
    ORDER BY r.id, s.id"""


def matching_pairs(sensor_ids: Iterable[int] | None = None, *,
                   rule_ids: Iterable[int] | None = None) -> list[tuple[int, int]]:
    """(rule id, sensor id) of every enabled rule watching one of these sensors (or every sensor
    these rules watch); one query."""
    if sensor_ids is not None:
        ids = list(sensor_ids)
        where, params = "s.id = ANY(%(ids)s::bigint[])", {"ids": "{" + ",".join(map(str, ids)) + "}" if ids else []}
    else:
        where, params = "r.id = ANY(%(ids)s)", {"ids": list(rule_ids or ())}
    if not params["ids"]:
        return []
    with connection.cursor() as cursor:
        cursor.execute(_PAIRS_SQL.format(where=where), params)
        return cursor.fetchall()


def in_condition(rule: AlarmRule, was_in: bool, value: float, prev_ts, prev_value, ts) -> bool | None:
    """Whether the limit is exceeded, with hysteresis: entering needs the limit itself, leaving
    needs the value back inside by more than the deadband. None: cannot tell (first point of a
    rate rule)."""
    db = rule.deadband or 0.0
    c = rule.condition
    if c == AlarmCondition.ABOVE:
        return value > rule.high - db if was_in else value > rule.high
    if c == AlarmCondition.BELOW:
        return value < rule.low + db if was_in else value < rule.low
    if c == AlarmCondition.OUTSIDE:
        if was_in:
            return value > rule.high - db or value < rule.low + db
        return value > rule.high or value < rule.low
    if c == AlarmCondition.RATE:
        if prev_ts is None:
            return None
        minutes = (ts - prev_ts).total_seconds() / 60
        if minutes <= 0:
            return None
        rate = abs(value - prev_value) / minutes
        return rate > rule.rate_per_minute - db if was_in else rate > rule.rate_per_minute
    return False  # stale: a reading has just arrived


def step(rule: AlarmRule, state: AlarmState, points: Sequence[tuple[datetime, float]]) -> list[tuple]:
    """Advance one state through a sensor's points (sorted by time). Returns the transitions
    ("raise" | "clear", ts, value). Points not newer than the last one seen are history (late
    or repeated data) and do not move the alarm."""
    out = []
    for ts, value in points:
        if state.last_ts is not None and ts <= state.last_ts:
            continue
        prev_ts, prev_value = state.last_ts, state.last_value
        state.last_ts, state.last_value = ts, value
        cond = in_condition(rule, state.in_condition, value, prev_ts, prev_value, ts)
        if cond is None:
            continue
        if cond and not state.in_condition:
            state.since = ts
        state.in_condition = cond
        if cond:
            if not state.active and (ts - state.since).total_seconds() >= rule.duration_s:
                state.active = True
                out.append(("raise", ts, value))
        else:
            state.since = None
            if state.active:
                state.active = False
                out.append(("clear", ts, value))
    return out


def _lock_states(pairs: list[tuple[int, int]]) -> dict[tuple[int, int], AlarmState]:
    """The states of these (rule, sensor) pairs, locked in id order (so concurrent batches
    queue instead of deadlocking); missing ones are created first."""
    wanted = set(pairs)

    def locked():
        qs = (AlarmState.objects.select_for_update(of=("self",))
              .filter(rule_id__in={r for r, _ in pairs}, sensor_id__in={s for _, s in pairs}).order_by("id"))
        return {(st.rule_id, st.sensor_id): st for st in qs if (st.rule_id, st.sensor_id) in wanted}

    states = locked()
    if len(states) < len(wanted):
        AlarmState.objects.bulk_create([AlarmState(rule_id=r, sensor_id=s) for r, s in wanted - set(states)],
                                       ignore_conflicts=True)
        states = locked()
    return states


def batch_sensor_ids(batch) -> list[int]:
    """The sensors of a batch: a ``telemetry.backends.Batch`` or (sensor_id, ts, value) rows."""
    if hasattr(batch, "sensor"):
        return np.unique(batch.sensor).tolist()
    return list({r[0] for r in batch})


def batch_rows(batch, sensor_ids: set[int]) -> list[tuple[int, datetime, float]]:
    """The (sensor_id, ts, value) rows of these sensors only: datetimes are built for the few
    sensors that have rules or meters, not for the whole batch."""
    if not hasattr(batch, "sensor"):
        return [r for r in batch if r[0] in sensor_ids]
    from telemetry.backends import Batch

    mask = np.isin(batch.sensor, np.fromiter(sensor_ids, np.int64, len(sensor_ids)))
    return Batch(batch.sensor[mask], batch.ts_us[mask], batch.value[mask]).rows()


def evaluate_batch(batch) -> int:
    """Evaluate the rules of the batch's sensors on its readings; runs in the ingest transaction.
    ``batch`` is a ``telemetry.backends.Batch`` or (sensor_id, ts, value) rows. Returns the
    number of alarm transitions."""
    pairs = matching_pairs(batch_sensor_ids(batch))
    if not pairs:
        return 0
    rules = AlarmRule.objects.in_bulk({r for r, _ in pairs})
    states = _lock_states(pairs)
    watched = {s for _, s in pairs}
    points: dict[int, list[tuple[datetime, float]]] = defaultdict(list)
    for sensor_id, ts, value in batch_rows(batch, watched):
        if sensor_id in watched:
            points[sensor_id].append((ts, value))
    for pts in points.values():
        pts.sort(key=lambda p: p[0])
    transitions = []
    for key, state in states.items():
        rule_id, sensor_id = key
        for kind, ts, value in step(rules[rule_id], state, points.get(sensor_id, ())):
            transitions.append((kind, state, ts, value))
    # Sensors (with their asset) are needed only where something happens.
    involved = {st.sensor_id for _, st, *_ in transitions} | {
        st.sensor_id for st in states.values() if st.active and st.suppressed}
    sensors = Sensor.objects.select_related("asset").in_bulk(involved) if involved else {}
    _apply(transitions, rules, sensors, states.values())
    save_states(states.values())
    return len(transitions)


def save_states(states: Iterable[AlarmState]) -> None:
    """One UPDATE for every state of a batch (Django's bulk_update builds a CASE per field and
    row, which costs more than the whole evaluation for a few hundred sensors)."""
    states = list(states)
    if not states:
        return
    cols = {
        "id": [st.pk for st in states], "in_condition": [st.in_condition for st in states],
        "since": [st.since for st in states], "active": [st.active for st in states],
        "suppressed": [st.suppressed for st in states], "last_ts": [st.last_ts for st in states],
        "last_value": [st.last_value for st in states], "alert_id": [st.alert_id for st in states],
    }
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {AlarmState._meta.db_table} s SET in_condition = v.in_condition, since = v.since, "
            "active = v.active, suppressed = v.suppressed, last_ts = v.last_ts, last_value = v.last_value, "
            "alert_id = v.alert_id, updated_at = now() "
            "FROM unnest(%(id)s::bigint[], %(in_condition)s::boolean[], %(since)s::timestamptz[], "
            "%(active)s::boolean[], %(suppressed)s::boolean[], %(last_ts)s::timestamptz[], "
            "%(last_value)s::float8[], %(alert_id)s::bigint[]) "
            "AS v(id, in_condition, since, active, suppressed, last_ts, last_value, alert_id) WHERE s.id = v.id",
            cols)


def _under_maintenance(asset_ids: set[int]) -> set[int]:
    from assets.models import Asset

    if not asset_ids:
        return set()
    return set(Asset.objects.filter(pk__in=asset_ids, work_orders__status=MAINTENANCE_STATUS)
               .values_list("pk", flat=True).distinct())


def _apply(transitions, rules, sensors, states) -> None:
    """Raise, clear or suppress the alarms of the transitions; an alarm held back during
    maintenance is raised once the maintenance is over and its condition still holds."""
    held = [st for st in states if st.active and st.suppressed]
    candidates = {sensors[st.sensor_id].asset_id for kind, st, *_ in transitions if kind == "raise"}
    candidates |= {sensors[st.sensor_id].asset_id for st in held}
    maintenance = _under_maintenance(candidates)
    for kind, state, ts, value in transitions:
        rule, sensor = rules[state.rule_id], sensors[state.sensor_id]
        if kind == "raise":
            if sensor.asset_id in maintenance:
                state.suppressed = True
                record_event(kind="alarm.suppressed", severity=rule.severity, site_id=sensor.asset.site_id,
                             asset_id=sensor.asset_id, obj=rule, at=ts,
                             title=f"Suppressed during maintenance: {_title(rule, sensor)}",
                             details={"rule": rule.pk, "sensor": sensor.pk, "value": value})
            else:
                _raise(rule, sensor, state, ts, value)
        else:
            _clear(rule, sensor, state, ts, value)
    for state in held:
        sensor = sensors[state.sensor_id]
        if state.active and state.suppressed and sensor.asset_id not in maintenance:
            _raise(rules[state.rule_id], sensor, state, state.last_ts, state.last_value)


def _title(rule: AlarmRule, sensor: Sensor) -> str:
    return f"{sensor.asset.tag} {sensor.name} {rule.describe()}"


def _raise(rule: AlarmRule, sensor: Sensor, state: AlarmState, ts, value) -> None:
    unit = f" {sensor.unit}" if sensor.unit else ""
    message = (f"{sensor.name} read {value:g}{unit} at {ts:%Y-%m-%d %H:%M:%S %Z}." if value is not None
               else f"No data from {sensor.name} since {ts:%Y-%m-%d %H:%M:%S %Z}." if ts else
               f"No data from {sensor.name} yet.")
    alert, _ = raise_alert(asset=sensor.asset, sensor=sensor, rule=rule, cause=f"rule:{rule.pk}:{sensor.pk}",
                           source=AlertSource.RULE, severity=rule.severity,
                           title=f"{rule.name}: {_title(rule, sensor)}"[:200],
                           message=message, condition_at=state.since or ts,
                           details={"rule": rule.pk, "sensor": sensor.pk, "value": value,
                                    "ts": ts.isoformat() if ts else None, "condition": rule.condition})
    state.alert = alert
    state.suppressed = False


def _clear(rule: AlarmRule, sensor: Sensor, state: AlarmState, ts, value) -> None:
    if state.suppressed:
        state.suppressed = False
        record_event(kind="alarm.cleared", title=f"Cleared (was suppressed): {_title(rule, sensor)}",
                     site_id=sensor.asset.site_id, asset_id=sensor.asset_id, obj=rule, at=ts,
                     details={"rule": rule.pk, "sensor": sensor.pk, "value": value})
        return
    alert = state.alert
    if alert is None or alert.status not in ACTIVE_ALERT_STATUSES:
        alert = Alert.objects.filter(rule=rule, sensor=sensor, status__in=ACTIVE_ALERT_STATUSES).first()
    if alert is not None:
        reason = (f"value back to {value:g} at {ts:%Y-%m-%d %H:%M:%S %Z}" if value is not None
                  else "the condition is over")
        close_alert(alert, reason=reason, cleared_value_at=ts)
    state.alert = None


# --- Stale sensors ------------------------------------------------------------------------------


def check_stale_sensors(now: datetime | None = None) -> int:
    """Raise the stale alarms of sensors silent for longer than their rule allows, and clear those
    whose data came back. Idempotent. Returns the number of transitions."""
    now = now or timezone.now()
    rule_ids = list(AlarmRule.objects.filter(is_enabled=True, condition=AlarmCondition.STALE)
                    .values_list("id", flat=True))
    if not rule_ids:
        return 0
    pairs = matching_pairs(rule_ids=rule_ids)
    if not pairs:
        return 0
    with transaction.atomic():
        rules = AlarmRule.objects.in_bulk({r for r, _ in pairs})
        sensors = Sensor.objects.select_related("asset").in_bulk({s for _, s in pairs})
        states = _lock_states(pairs)
        transitions = []
        for (rule_id, sensor_id), state in states.items():
            rule, sensor = rules[rule_id], sensors[sensor_id]
            reference = max(filter(None, [sensor.last_ts, rule.created_at]))
            stale = now - reference > timedelta(minutes=rule.stale_minutes)
            if stale and not state.active:
                state.active, state.in_condition, state.since = True, True, sensor.last_ts or rule.created_at
                transitions.append(("raise", state, sensor.last_ts, None))
            elif not stale and state.active:
                state.active, state.in_condition, state.since = False, False, None
                transitions.append(("clear", state, sensor.last_ts, sensor.last_value))
        _apply(transitions, rules, sensors, states.values())
        save_states(states.values())
    return len(transitions)


# --- Rule writes ---------------------------------------------------------------------------------

RULE_FIELDS = ("name", "sensor", "category", "metric", "condition", "high", "low", "deadband", "duration_s",
               "rate_per_minute", "stale_minutes", "severity", "create_work_order", "is_enabled")


def _normalise(rule: AlarmRule) -> None:
    if rule.sensor_id and not rule.site_id:
        rule.site_id = rule.sensor.asset.site_id


@transaction.atomic
def create_alarm_rule(*, actor, site=None, **fields) -> AlarmRule:
    rule = AlarmRule(site=site, **{k: v for k, v in fields.items() if k in RULE_FIELDS})
    _normalise(rule)
    rule.full_clean()
    rule.save()
    record(actor, "alarmrule.create", rule, changes={"condition": rule.condition, "describe": rule.describe()})
    return rule


@transaction.atomic
def update_alarm_rule(rule: AlarmRule, *, actor, **changes) -> AlarmRule:
    """Change a rule. A changed limit starts the evaluation afresh: the states are reset, and
    the alarms it raised are cleared if the new limit no longer holds them (they clear on the
    next reading that is inside it)."""
    rule = AlarmRule.objects.select_for_update().get(pk=rule.pk)
    changed = {}
    for field in RULE_FIELDS + ("site",):
        if field in changes and getattr(rule, field) != changes[field]:
            setattr(rule, field, changes[field])
            value = changes[field]
            changed[field] = value.pk if hasattr(value, "pk") else value
    if not changed:
        return rule
    _normalise(rule)
    rule.full_clean()
    rule.save()
    if set(changed) - {"name", "severity", "create_work_order"}:
        rule.states.update(in_condition=False, since=None)
    if changed.get("is_enabled") is False:
        for alert in Alert.objects.filter(rule=rule, status__in=ACTIVE_ALERT_STATUSES):
            close_alert(alert, actor=actor, reason="the rule was disabled")
        rule.states.all().delete()
    record(actor, "alarmrule.update", rule, changes=changed)
    return rule


@transaction.atomic
def delete_alarm_rule(rule: AlarmRule, *, actor) -> None:
    for alert in Alert.objects.filter(rule=rule, status__in=ACTIVE_ALERT_STATUSES):
        close_alert(alert, actor=actor, reason="the rule was deleted")
    record(actor, "alarmrule.delete", rule, changes={"name": rule.name})
    rule.delete()
