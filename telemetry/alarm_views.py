"""Pages of alarm rules (list, editor with inline validation) and of the activity feed."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from prosync.generic import FilteredListView, render_page_or_partial
from prosync.permissions import can
from telemetry import alarms
from telemetry.choices import AlarmCondition
from telemetry.eventlog import events_for
from telemetry.filters import AlarmRuleFilterSet
from telemetry.models import AlarmRule, Sensor


class AlarmRuleListView(FilteredListView):
    model = AlarmRule
    filterset_class = AlarmRuleFilterSet
    title = "Alarm rules"
    template_name = "telemetry/rule_list.html"
    partial_template_name = "telemetry/_rule_table.html"
    sort_fields = {"name": "name", "severity": "severity", "condition": "condition", "updated": "updated_at"}
    default_sort = "name"

    def base_queryset(self):
        return AlarmRule.objects.select_related("site", "sensor__asset", "category")


class AlarmRuleForm(forms.ModelForm):
    class Meta:
        model = AlarmRule
        fields = ["name", "sensor", "site", "category", "metric", "condition", "high", "low", "deadband",
                  "duration_s", "rate_per_minute", "stale_minutes", "severity", "create_work_order", "is_enabled"]
        labels = {"duration_s": "For at least (seconds)", "rate_per_minute": "Rate per minute",
                  "stale_minutes": "Stale after (minutes)", "site": "Site (for a category rule)"}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        from assets.models import AssetCategory, Site

        self.fields["sensor"].queryset = (Sensor.objects.for_user(user, "view").select_related("asset")
                                          .order_by("asset__tag", "metric"))
        self.fields["sensor"].label_from_instance = lambda s: f"{s.asset.tag} · {s.name} ({s.unit or s.metric})"
        self.fields["site"].queryset = Site.objects.for_user(user, "view")
        self.fields["site"].required = False
        self.fields["category"].queryset = AssetCategory.objects.for_user(user, "view")
        for name in ("high", "low", "deadband", "rate_per_minute"):
            self.fields[name].widget.attrs["step"] = "any"
        self.fields["condition"].widget.attrs["data-condition"] = "1"

    def clean(self):
        data = super().clean()
        sensor = data.get("sensor")
        if sensor is not None and not data.get("site"):
            self.instance.site = sensor.asset.site
            data["site"] = sensor.asset.site
        return data


def _rule_form_page(request, rule=None):
    action = "change" if rule else "add"
    if not can(request.user, action, AlarmRule):
        raise PermissionDenied("Your role may not edit alarm rules.")
    form = AlarmRuleForm(request.POST or None, instance=rule, user=request.user)
    validate_only = request.POST.get("_validate") == "1"
    if request.method == "POST" and form.is_valid() and not validate_only:
        data = dict(form.cleaned_data)
        try:
            if rule is None:
                rule = alarms.create_alarm_rule(acting_user=request.user, **data)
                messages.success(request, f"Alarm rule created: {rule.name} ({rule.describe()}).")
            else:
                rule = alarms.update_alarm_rule(rule, acting_user=request.user, **data)
                messages.success(request, f"Alarm rule saved: {rule.name} ({rule.describe()}).")
        except ValidationError as exc:
            for field, errs in exc.message_dict.items():
                form.add_error(field if field in form.fields else None, errs)
        else:
            url = reverse("telemetry:rules")
            if request.htmx:
                from django_htmx.http import HttpResponseClientRedirect

                return HttpResponseClientRedirect(url)
            return redirect(url)
    ctx = {"form": form, "rule": rule, "conditions": AlarmCondition,
           "action": request.path, "title": f"Edit {rule.name}" if rule else "New alarm rule",
           "submit": "Save rule" if rule else "Create rule", "back": reverse("telemetry:rules")}
    template = "telemetry/_rule_form.html" if request.htmx else "telemetry/rule_form.html"
    # A full-page POST with errors answers 400; htmx swaps only 2xx answers, so its partial is a 200.
    failed = request.method == "POST" and form.errors and not request.htmx
    return render(request, template, ctx, status=400 if failed else 200)


@login_required
def rule_create(request):
    return _rule_form_page(request)


@login_required
def rule_edit(request, pk):
    rule = get_object_or_404(AlarmRule.objects.for_user(request.user, "view"), pk=pk)
    if not AlarmRule.objects.for_user(request.user, "change").filter(pk=pk).exists():
        raise PermissionDenied("Your role may not edit alarm rules.")
    return _rule_form_page(request, rule)


@login_required
@require_POST
def rule_delete(request, pk):
    rule = get_object_or_404(AlarmRule.objects.for_user(request.user, "delete"), pk=pk)
    alarms.delete_alarm_rule(rule, acting_user=request.user)
    messages.success(request, f"Alarm rule deleted: {rule.name}.")
    return redirect("telemetry:rules")


EVENT_KINDS = [("", "All"), ("alarm.raised", "Alarm raised"), ("alarm.acknowledged", "Alarm acknowledged"),
               ("alarm.cleared", "Alarm cleared"), ("alarm.suppressed", "Alarm suppressed"),
               ("asset.status", "Asset status"), ("workorder.created", "Work order opened"),
               ("workorder.completed", "Work order completed")]
PAGE = 50


@login_required
def activity(request):
    """The activity feed of a site (or every site the user has), newest first, paged back by time."""
    from assets.models import Site

    sites = list(Site.objects.for_user(request.user, "view").order_by("name"))
    site_id = request.GET.get("site", "")
    kind = request.GET.get("kind", "")
    before = parse_datetime(request.GET.get("before", "").replace(" ", "+")) if request.GET.get("before") else None
    site = next((s for s in sites if str(s.pk) == site_id), None)
    events = events_for(request.user, site_id=site.pk if site else None, kinds=[kind] if kind else None,
                        before=before, limit=PAGE) if (site or not site_id) else []
    params = request.GET.copy()
    params.pop("before", None)
    ctx = {"events": events, "sites": sites, "site": site, "kind": kind, "kinds": EVENT_KINDS,
           "older": events[-1]["at"].isoformat() if len(events) == PAGE else None, "querystring": params.urlencode(),
           "before": before}
    return render_page_or_partial(request, "telemetry/activity.html", "telemetry/_activity_results.html", ctx)
