"""Pages of alarm rules (list, editor with inline validation) and of the activity feed."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_POST

from prosync.core.generic import FilteredListView, render_page_or_partial
from prosync.core.views import apply_errors, render_form, require, scoped_object
from telemetry import alarms
from telemetry.choices import AlarmCondition
from telemetry.eventlog import events_for
from telemetry.filters import AlarmRuleFilterSet
from telemetry.forms import AlarmRuleForm
from telemetry.models import AlarmRule
from telemetry.tables import AlarmRuleTable


class AlarmRuleListView(FilteredListView):
    model = AlarmRule
    filterset_class = AlarmRuleFilterSet
    table_class = AlarmRuleTable
    title = "Alarm rules"
    template_name = "telemetry/rule_list.html"
    partial_template_name = "telemetry/_rule_table.html"
    default_sort = "name"

    def base_queryset(self):
        return AlarmRule.objects.select_related("site", "sensor__asset", "category")


def _rule_form_page(request, rule=None):
    require(request.user, "change" if rule else "add", AlarmRule)
    form = AlarmRuleForm(request.POST or None, instance=rule, user=request.user)
    validate_only = request.POST.get("_validate") == "1"
    if request.method == "POST" and form.is_valid() and not validate_only:
        data = dict(form.cleaned_data)
        try:
            if rule is None:
                rule = alarms.create_alarm_rule(actor=request.user, **data)
                messages.success(request, f"Alarm rule created: {rule.name} ({rule.describe()}).")
            else:
                rule = alarms.update_alarm_rule(rule, actor=request.user, **data)
                messages.success(request, f"Alarm rule saved: {rule.name} ({rule.describe()}).")
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            url = reverse("telemetry:rules")
            if request.htmx:
                from django_htmx.http import HttpResponseClientRedirect

                return HttpResponseClientRedirect(url)
            return redirect(url)
    ctx = {"rule": rule, "conditions": AlarmCondition,
           "action": request.path, "title": f"Edit {rule.name}" if rule else "New alarm rule",
           "submit": "Save rule" if rule else "Create rule", "back": reverse("telemetry:rules")}
    return render_form(request, form, "telemetry/rule_form.html", "telemetry/_rule_form.html", ctx, refused=400)


@login_required
def rule_create(request):
    return _rule_form_page(request)


@login_required
def rule_edit(request, pk):
    return _rule_form_page(request, scoped_object(request, AlarmRule, pk, "change"))


@login_required
@require_POST
def rule_delete(request, pk):
    rule = get_object_or_404(AlarmRule.objects.for_user(request.user, "delete"), pk=pk)
    alarms.delete_alarm_rule(rule, actor=request.user)
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
