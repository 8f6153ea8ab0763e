"""Work orders and their lifecycle."""

from decimal import Decimal

from django.conf import settings
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Upper
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from prosync.core.humanize import refusal
from prosync.core.permissions import SiteScopedManager, SiteScopedQuerySet
from workorders.choices import (
    OPEN_STATUSES,
    AttachmentKind,
    ChecklistItemKind,
    Compliance,
    FailureCodeKind,
    IntervalUnit,
    PMAnchor,
    PMTrigger,
    PredictionOutcome,
    ProjectStatus,
    RequestChannel,
    RequestStatus,
    WorkOrderPriority,
    WorkOrderStatus,
    WorkOrderType,
)

S = WorkOrderStatus
# The one place that says which status may follow which.
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.OPEN: {S.ASSIGNED, S.IN_PROGRESS, S.CANCELLED},
    S.ASSIGNED: {S.OPEN, S.IN_PROGRESS, S.CANCELLED},
    S.IN_PROGRESS: {S.ON_HOLD, S.COMPLETED, S.CANCELLED},
    S.ON_HOLD: {S.IN_PROGRESS, S.CANCELLED},
    S.COMPLETED: {S.CLOSED, S.IN_PROGRESS},
    S.CLOSED: set(),
    S.CANCELLED: set(),
}


class IllegalTransition(Exception):
    pass


def transition_hint(current: str, wanted: str) -> str:
    """What to do instead of a move the lifecycle refuses, in the words of the status buttons."""
    if current in (S.CLOSED, S.CANCELLED):
        return _("it is finished; create a new order for more work")
    if wanted == S.CLOSED:
        return _("complete it first")
    if wanted in (S.COMPLETED, S.ON_HOLD):
        return _("resume it first") if current == S.ON_HOLD else _("start it first")
    if wanted == S.ASSIGNED:
        return _("put it on hold or complete it instead")
    if current == wanted:
        return _("it already is")
    return ""


class WorkOrderQuerySet(SiteScopedQuerySet):
    """Site-scoped (``for_user``) like every other model, plus the work-order filters."""

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now=None):
        return self.open().filter(due_at__lt=now or timezone.now())

    def of_person(self, user):
        """Orders a person works on: as lead assignee, as one of the assignees, or through a team."""
        return self.filter(Q(assignee=user) | Q(assignees=user) | Q(team__members=user)).distinct()


class Team(models.Model):
    """A crew of technicians on one site that orders can be given to."""

    site_field = "site"

    site = models.ForeignKey("assets.Site", on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=80)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="teams")

    objects = SiteScopedManager()

    class Meta:
        ordering = ["site", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="unique_team_name_per_site")]

    def __str__(self) -> str:
        return self.name


class SlaPolicy(models.Model):
    """The settings table of resolution times: an order's due date follows from its priority."""

    site_field = None

    priority = models.CharField(max_length=10, choices=WorkOrderPriority.choices, unique=True)
    resolve_within = models.DurationField(help_text="From creation to completion, e.g. 4:00:00 or 3 days.")

    objects = SiteScopedManager()

    class Meta:
        ordering = ["resolve_within"]
        verbose_name = "SLA policy"
        verbose_name_plural = "SLA policies"

    def __str__(self) -> str:
        return f"{self.get_priority_display()}: {self.resolve_within}"


class FailureCode(models.Model):
    """Catalogue of problem, cause and remedy codes; a code may be limited to one asset category."""

    site_field = None

    kind = models.CharField(max_length=10, choices=FailureCodeKind.choices)
    code = models.CharField(max_length=20)
    description = models.CharField(max_length=200)
    category = models.ForeignKey("assets.AssetCategory", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="failure_codes", help_text="Empty: for every category.")
    active = models.BooleanField(default=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["kind", "code"]
        constraints = [models.UniqueConstraint(fields=["kind", "code"], name="unique_failure_code")]

    def __str__(self) -> str:
        return f"{self.code} {self.description}"


class WorkOrder(models.Model):
    site_field = "site"

    site = models.ForeignKey("assets.Site", on_delete=models.PROTECT, related_name="work_orders")
    asset = models.ForeignKey("assets.Asset", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="work_orders")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    status = models.CharField(max_length=20, choices=WorkOrderStatus.choices, default=WorkOrderStatus.OPEN)
    priority = models.CharField(max_length=10, choices=WorkOrderPriority.choices, default=WorkOrderPriority.MEDIUM)
    kind = models.CharField("type", max_length=20, choices=WorkOrderType.choices, default=WorkOrderType.CORRECTIVE)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="assigned_work_orders", help_text="The lead technician.")
    assignees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="work_orders_assisting",
                                       help_text="Everyone working on it (the lead included).")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="work_orders")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    source = models.CharField(max_length=40, blank=True, help_text="What raised it, e.g. 'prediction'.")
    source_ref = models.CharField(max_length=64, blank=True)
    due_at = models.DateTimeField(null=True, blank=True, help_text="Empty on creation: from the priority's SLA.")
    scheduled_start = models.DateTimeField(null=True, blank=True)
    estimated_hours = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    actual_hours = models.DecimalField(max_digits=9, decimal_places=2, default=Decimal("0"),
                                       help_text="Sum of the time entries.")
    labour_cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    parts_cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    problem_code = models.ForeignKey(FailureCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                     limit_choices_to={"kind": FailureCodeKind.PROBLEM})
    cause_code = models.ForeignKey(FailureCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   limit_choices_to={"kind": FailureCodeKind.CAUSE})
    remedy_code = models.ForeignKey(FailureCode, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    limit_choices_to={"kind": FailureCodeKind.REMEDY})
    blocked_by = models.ManyToManyField("self", symmetrical=False, blank=True, related_name="blocking",
                                        help_text="Orders that must be completed before this one can start.")
    follow_up_of = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="follow_ups")
    downtime = models.ForeignKey("assets.Downtime", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="work_orders", help_text="The stoppage this order is about.")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)
    completed_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=20, choices=PredictionOutcome.choices, blank=True,
                               help_text="Predictive orders: whether the predicted fault was found.")
    version = models.PositiveIntegerField(default=1, help_text="Raised on every change; detects concurrent edits.")
    # The global search's document, kept by PostgreSQL: ranking reads it instead of parsing every row.
    search_document = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("description", weight="B", config="english"),
        output_field=SearchVectorField(), db_persist=True)

    objects = WorkOrderQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["site", "status"]), models.Index(fields=["asset", "status"]),
                   models.Index(fields=["status", "due_at"]), models.Index(fields=["assignee", "status"]),
                   # The work in hand by due date (board, my work, overdue, filtered lists): a small
                   # index however long the history of closed orders grows.
                   models.Index(fields=["site", "due_at"], condition=Q(status__in=OPEN_STATUSES),
                                name="workorder_open_due"),
                   # The global search: words, and titles close to a misspelt word.
                   GinIndex(fields=["search_document"], name="workorder_search_document"),
                   GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="workorder_title_trgm")]

    def __str__(self) -> str:
        return f"WO-{self.pk or 0:05d} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("workorders:detail", args=[self.pk])

    @staticmethod
    def number_of(pk: int) -> str:
        """The order's number from its id (the pages that list orders as plain rows use it too)."""
        return f"WO-{pk:05d}"

    @staticmethod
    def overdue(status: str, due_at, now) -> bool:
        """Still open and past its due time."""
        return status in OPEN_STATUSES and due_at is not None and due_at < now

    @property
    def number(self) -> str:
        return self.number_of(self.pk)

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def is_overdue(self) -> bool:
        return self.overdue(self.status, self.due_at, timezone.now())

    @property
    def total_cost(self) -> Decimal:
        return self.labour_cost + self.parts_cost

    def missing_failure_codes(self) -> list[str]:
        """The codes a corrective order still needs before it may be completed."""
        if self.kind not in (WorkOrderType.CORRECTIVE, WorkOrderType.EMERGENCY):
            return []
        return [name for name in ("problem_code", "cause_code", "remedy_code") if getattr(self, f"{name}_id") is None]

    def clean(self) -> None:
        if self.asset_id and self.site_id and self.asset.site_id != self.site_id:
            raise ValidationError({"asset": "The asset is on another site than the work order."})
        if self.team_id and self.site_id and self.team.site_id != self.site_id:
            raise ValidationError({"team": "The team works on another site than the work order."})
        for name, kind in (("problem_code", "problem"), ("cause_code", "cause"), ("remedy_code", "remedy")):
            code = getattr(self, name) if getattr(self, f"{name}_id") else None
            if code is not None and code.kind != kind:
                raise ValidationError({name: f"'{code.code}' is a {code.kind} code, not a {kind} code."})
            if code is not None and code.category_id and self.asset_id and \
                    self.asset.category_id != code.category_id:
                raise ValidationError({name: f"'{code.code}' is for {code.category}, not this asset's category."})

    def transition_to(self, status: str) -> str:
        """Change status if the lifecycle allows it; returns the previous status."""
        if status not in WorkOrderStatus.values:
            raise IllegalTransition(f"'{status}' is not a work-order status.")
        if status not in ALLOWED_TRANSITIONS[self.status]:
            labels = dict(WorkOrderStatus.choices)
            raise IllegalTransition(refusal(_("order"), labels[self.status], labels[status],
                                            transition_hint(self.status, status)))
        previous, self.status = self.status, status
        return previous


class StatusChange(models.Model):
    """One move of an order along its lifecycle: who, when, from, to, and why."""

    site_field = "work_order__site"

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField(max_length=20, choices=WorkOrderStatus.choices)
    to_status = models.CharField(max_length=20, choices=WorkOrderStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField(default=timezone.now)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["work_order", "at"])]

    def __str__(self) -> str:
        return f"{self.from_status} → {self.to_status}"


class ChecklistTemplate(models.Model):
    """A reusable list of checks; attaching it to an order copies its items onto the order."""

    site_field = None

    name = models.CharField(max_length=120, unique=True)
    description = models.TextField(blank=True)
    category = models.ForeignKey("assets.AssetCategory", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="checklist_templates")
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ChecklistItemBase(models.Model):
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=12, choices=ChecklistItemKind.choices, default=ChecklistItemKind.PASS_FAIL)
    position = models.PositiveIntegerField(default=0)
    unit = models.CharField(max_length=20, blank=True)
    min_value = models.FloatField(null=True, blank=True, help_text="Numbers: below this the check fails.")
    max_value = models.FloatField(null=True, blank=True, help_text="Numbers: above this the check fails.")
    required = models.BooleanField(default=True)

    class Meta:
        abstract = True
        ordering = ["position", "pk"]

    def clean(self) -> None:
        if self.kind != ChecklistItemKind.NUMBER and (self.min_value is not None or self.max_value is not None):
            raise ValidationError({"min_value": "Only number checks have limits."})
        if self.min_value is not None and self.max_value is not None and self.min_value > self.max_value:
            raise ValidationError({"max_value": "The upper limit is below the lower limit."})

    @property
    def limits(self) -> str:
        lo = "" if self.min_value is None else f"{self.min_value:g}"
        hi = "" if self.max_value is None else f"{self.max_value:g}"
        if lo and hi:
            return f"{lo}–{hi} {self.unit}".strip()
        if lo:
            return f"≥ {lo} {self.unit}".strip()
        if hi:
            return f"≤ {hi} {self.unit}".strip()
        return ""


class ChecklistTemplateItem(ChecklistItemBase):
    site_field = None

    template = models.ForeignKey(ChecklistTemplate, on_delete=models.CASCADE, related_name="items")

    objects = SiteScopedManager()

    class Meta(ChecklistItemBase.Meta):
        pass

    def __str__(self) -> str:
        return self.label


class ChecklistItem(ChecklistItemBase):
    """A check on one order (copied from a template, or added by hand) and its result."""

    site_field = "work_order__site"

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="checklist_items")
    template = models.ForeignKey(ChecklistTemplate, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    passed = models.BooleanField(null=True, blank=True)
    number = models.FloatField(null=True, blank=True)
    text = models.TextField(blank=True)
    photo = models.ImageField(upload_to="workorders/checklists/%Y/%m/", blank=True)
    done_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+")
    done_at = models.DateTimeField(null=True, blank=True)
    follow_up = models.OneToOneField(WorkOrder, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="source_checklist_item")

    objects = SiteScopedManager()

    class Meta(ChecklistItemBase.Meta):
        indexes = [models.Index(fields=["work_order", "position"])]

    def __str__(self) -> str:
        return self.label

    @property
    def is_done(self) -> bool:
        return self.done_at is not None

    @property
    def is_failed(self) -> bool:
        if self.kind == ChecklistItemKind.PASS_FAIL:
            return self.passed is False
        if self.kind == ChecklistItemKind.NUMBER and self.number is not None:
            return (self.min_value is not None and self.number < self.min_value) or \
                (self.max_value is not None and self.number > self.max_value)
        return False

    @property
    def result_display(self) -> str:
        if not self.is_done:
            return ""
        if self.kind == ChecklistItemKind.PASS_FAIL:
            return "pass" if self.passed else "fail"
        if self.kind == ChecklistItemKind.NUMBER:
            return f"{self.number:g} {self.unit}".strip()
        if self.kind == ChecklistItemKind.PHOTO:
            return "photo"
        return self.text


class Comment(models.Model):
    site_field = "work_order__site"

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(max_length=5000)
    mentions = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="work_order_mentions")
    public = models.BooleanField(default=False, help_text="Shown to whoever reported the problem, on the "
                                                          "tracking page of their request.")
    created_at = models.DateTimeField(default=timezone.now)
    search_document = models.GeneratedField(expression=SearchVector("body", config="english"),
                                            output_field=SearchVectorField(), db_persist=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["work_order", "created_at"]),
                   GinIndex(fields=["search_document"], name="comment_search_document")]

    def __str__(self) -> str:
        return self.body[:60]


class Attachment(models.Model):
    """A photo (before / after) or document on an order, stored through Django's storage API."""

    site_field = "work_order__site"

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="workorders/attachments/%Y/%m/")
    kind = models.CharField(max_length=10, choices=AttachmentKind.choices, default=AttachmentKind.DOCUMENT)
    caption = models.CharField(max_length=200, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.caption or self.file.name.rsplit("/", 1)[-1]

    @property
    def is_image(self) -> bool:
        return self.content_type.startswith("image/")


class LabourRateQuerySet(SiteScopedQuerySet):
    """A pay rate is personal: its owner sees it; those who may change rates (Managers) see and
    change the rates of the people of their sites; an Admin sees every rate."""

    def for_user(self, user, action: str = "view"):
        return super().for_user(user, action).filter(pay_visible_to(user))


def pay_visible_to(user, person: str = "user") -> Q:
    """Rows (by their ``person`` path) whose pay, a rate or the cost of hours, ``user`` may see."""
    from accounts.models import SiteMembership
    from prosync.core.permissions import can

    if user.sees_all_sites:
        return Q()
    own = Q(**{f"{person}_id": user.pk})
    if can(user, "change", LabourRate):
        people = SiteMembership.objects.filter(site_id__in=user.site_ids).values("user_id")
        return own | Q(**{f"{person}_id__in": people})
    return own


class LabourRate(models.Model):
    """What an hour of a technician's work costs (a default applies to those without one)."""

    site_field = None

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="labour_rate")
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2)

    objects = models.Manager.from_queryset(LabourRateQuerySet)()

    def __str__(self) -> str:
        return f"{self.user}: {self.hourly_rate}/h"


class TimeEntry(models.Model):
    """Labour on an order: a running timer (no end yet) or a finished or manual entry."""

    site_field = "work_order__site"

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="time_entries")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="time_entries")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)
    hours = models.DecimalField(max_digits=7, decimal_places=2, default=Decimal("0"))
    hourly_rate = models.DecimalField(max_digits=8, decimal_places=2, default=Decimal("0"))
    note = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-started_at", "pk"]
        verbose_name_plural = "time entries"
        constraints = [
            models.UniqueConstraint(fields=["user"], condition=Q(ended_at__isnull=True), name="one_running_timer"),
            models.CheckConstraint(condition=Q(ended_at__isnull=True) | Q(ended_at__gte=models.F("started_at")),
                                   name="time_entry_ends_after_start"),
        ]
        indexes = [models.Index(fields=["work_order", "started_at"]), models.Index(fields=["user", "started_at"])]

    def __str__(self) -> str:
        return f"{self.user} {self.hours} h"

    @property
    def is_running(self) -> bool:
        return self.ended_at is None

    @property
    def cost(self) -> Decimal:
        return (self.hours * self.hourly_rate).quantize(Decimal("0.01"))

    def clean(self) -> None:
        if self.ended_at and self.started_at and self.ended_at < self.started_at:
            raise ValidationError({"ended_at": "The end is before the start."})
        if self.hours is not None and self.hours < 0:
            raise ValidationError({"hours": "Hours cannot be negative."})


class PartUsage(models.Model):
    """Parts issued to an order: each row is backed by a movement of the stock ledger."""

    site_field = "work_order__site"

    work_order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="part_usages")
    part = models.ForeignKey("assets.Part", on_delete=models.PROTECT, related_name="usages")
    storeroom = models.ForeignKey("assets.Storeroom", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=12, decimal_places=3)
    unit_cost = models.DecimalField(max_digits=12, decimal_places=2, default=Decimal("0"))
    movement = models.OneToOneField("assets.StockMovement", null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="part_usage")
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    issued_at = models.DateTimeField(default=timezone.now)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["issued_at", "pk"]
        indexes = [models.Index(fields=["work_order", "issued_at"])]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.part}"

    @property
    def cost(self) -> Decimal:
        return (self.quantity * self.unit_cost).quantize(Decimal("0.01"))


class SavedViewQuerySet(SiteScopedQuerySet):
    def for_user(self, user, action: str = "view"):
        """Saved views are personal: each user sees and edits their own (shared as URLs, not rows)."""
        return super().for_user(user, action).filter(user=user) if user is not None and user.is_authenticated \
            else self.none()


class SavedView(models.Model):
    """A user's named filter of the work-order list: the query string, so it can be shared as a URL."""

    site_field = None

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_views")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["user", "name"], name="unique_saved_view_name")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return f"{reverse('workorders:list')}?{self.query}" if self.query else reverse("workorders:list")


# --- Requests, preventive maintenance, projects ---------------------------------------------------
# (services in workorders/requests.py, preventive.py and projects.py)


class WorkRequest(models.Model):
    """Someone saw a problem: a request a manager turns into a work order or rejects with a reason."""

    site_field = "site"

    site = models.ForeignKey("assets.Site", on_delete=models.PROTECT, related_name="work_requests")
    asset = models.ForeignKey("assets.Asset", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="work_requests")
    title = models.CharField(max_length=200)
    description = models.TextField(max_length=5000)
    priority = models.CharField(max_length=10, choices=WorkOrderPriority.choices, default=WorkOrderPriority.MEDIUM)
    channel = models.CharField(max_length=10, choices=RequestChannel.choices, default=RequestChannel.PORTAL)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="work_requests")
    reporter_name = models.CharField(max_length=120, blank=True, help_text="Public form: who reported it.")
    reporter_contact = models.CharField(max_length=160, blank=True, help_text="Public form: e-mail or phone.")
    status = models.CharField(max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    reason = models.TextField(blank=True, help_text="Why it was rejected.")
    work_order = models.OneToOneField(WorkOrder, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="request")
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    search_document = models.GeneratedField(  # the global search's document, kept by PostgreSQL
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("description", "reporter_name", weight="B", config="english"),
        output_field=SearchVectorField(), db_persist=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["site", "status"]),
                   GinIndex(fields=["search_document"], name="workrequest_search_document"),
                   GinIndex(OpClass(Upper("title"), name="gin_trgm_ops"), name="workrequest_title_trgm")]

    def __str__(self) -> str:
        return f"REQ-{self.pk or 0:05d} {self.title}"

    def get_absolute_url(self) -> str:
        return reverse("workorders:request-detail", args=[self.pk])

    @property
    def number(self) -> str:
        return f"REQ-{self.pk:05d}"

    @property
    def reporter(self) -> str:
        if self.requested_by_id:
            return str(self.requested_by)
        return " · ".join(x for x in (self.reporter_name, self.reporter_contact) if x) or "anonymous"

    def clean(self) -> None:
        if self.asset_id and self.site_id and self.asset.site_id != self.site_id:
            raise ValidationError({"asset": "The asset is on another site than the request."})
        if self.status == RequestStatus.REJECTED and not self.reason.strip():
            raise ValidationError({"reason": "Say why the request is rejected."})


class WorkRequestPhoto(models.Model):
    site_field = "request__site"

    request = models.ForeignKey(WorkRequest, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to="workorders/requests/%Y/%m/")
    content_type = models.CharField(max_length=100, blank=True)
    size = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.image.name.rsplit("/", 1)[-1]


class PreventiveSchedule(models.Model):
    """Recurring work on an asset, by calendar (every N days / weeks / months, fixed on the
    calendar or floating from the last completion) or by meter (every N units of a meter)."""

    site_field = "asset__site"

    asset = models.ForeignKey("assets.Asset", on_delete=models.PROTECT, related_name="pm_schedules")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    trigger = models.CharField(max_length=10, choices=PMTrigger.choices, default=PMTrigger.CALENDAR)
    interval = models.PositiveIntegerField(default=1, help_text="Calendar: every N units of time.")
    interval_unit = models.CharField(max_length=10, choices=IntervalUnit.choices, default=IntervalUnit.MONTHS)
    anchor = models.CharField(max_length=10, choices=PMAnchor.choices, default=PMAnchor.FIXED)
    starts_at = models.DateTimeField(default=timezone.now, help_text="Calendar: when the first occurrence is due.")
    meter = models.ForeignKey("assets.Meter", null=True, blank=True, on_delete=models.PROTECT,
                              related_name="pm_schedules")
    meter_interval = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True,
                                         help_text="Meter: every N units (running hours, cycles).")
    meter_start = models.DecimalField(max_digits=16, decimal_places=3, default=0,
                                      help_text="Meter: the reading the first interval counts from.")
    lead_time_days = models.PositiveIntegerField(default=0, help_text="Create the order this many days before "
                                                                      "it is due.")
    meter_lead = models.DecimalField(max_digits=12, decimal_places=2, default=0,
                                     help_text="Meter: create the order this many units before the reading is "
                                               "reached.")
    checklist_template = models.ForeignKey(ChecklistTemplate, null=True, blank=True, on_delete=models.SET_NULL,
                                           related_name="pm_schedules")
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="pm_schedules")
    team = models.ForeignKey(Team, null=True, blank=True, on_delete=models.SET_NULL, related_name="pm_schedules")
    priority = models.CharField(max_length=10, choices=WorkOrderPriority.choices, default=WorkOrderPriority.MEDIUM)
    estimated_hours = models.DecimalField(max_digits=7, decimal_places=2, null=True, blank=True)
    active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["asset", "title"]
        verbose_name = "preventive schedule"

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("workorders:pm-detail", args=[self.pk])

    @property
    def site_id(self):
        return self.asset.site_id

    @property
    def rule(self) -> str:
        if self.trigger == PMTrigger.METER:
            unit = self.meter.unit if self.meter_id else "units"
            return f"every {self.meter_interval or 0:g} {unit} of {self.meter.name if self.meter_id else 'a meter'}"
        unit = self.get_interval_unit_display()
        unit = unit[:-1] if self.interval == 1 else unit
        return f"every {self.interval} {unit}" + (" from the last completion" if self.anchor == PMAnchor.FLOATING
                                                  else "")

    def clean(self) -> None:
        if self.trigger == PMTrigger.METER:
            if not self.meter_id:
                raise ValidationError({"meter": "A meter schedule needs a meter."})
            if self.meter_interval is None or self.meter_interval <= 0:
                raise ValidationError({"meter_interval": "Give a positive number of units between orders."})
            if self.asset_id and self.meter.asset_id != self.asset_id:
                raise ValidationError({"meter": "The meter belongs to another asset."})
            if self.meter_lead < 0 or self.meter_lead >= self.meter_interval:
                raise ValidationError({"meter_lead": "The lead must be at least 0 and less than the interval."})
        elif not self.interval or self.interval < 1:
            raise ValidationError({"interval": "The interval must be at least 1."})
        if self.team_id and self.asset_id and self.team.site_id != self.asset.site_id:
            raise ValidationError({"team": "The team works on another site than the asset."})


class PreventiveSchedulePart(models.Model):
    """Parts the schedule's orders are planned to use."""

    site_field = "schedule__asset__site"

    schedule = models.ForeignKey(PreventiveSchedule, on_delete=models.CASCADE, related_name="parts")
    part = models.ForeignKey("assets.Part", on_delete=models.PROTECT, related_name="+")
    quantity = models.DecimalField(max_digits=12, decimal_places=3, default=1)

    objects = SiteScopedManager()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["schedule", "part"], name="unique_pm_part")]

    def __str__(self) -> str:
        return f"{self.quantity:g} × {self.part}"


class PMOccurrence(models.Model):
    """One due instance of a schedule. ``seq`` numbers the occurrences of a schedule; the unique
    (schedule, seq) is what makes generation idempotent: beat firing twice, a retry or two
    workers can insert the row only once, and the order is created in the same transaction."""

    site_field = "schedule__asset__site"

    schedule = models.ForeignKey(PreventiveSchedule, on_delete=models.CASCADE, related_name="occurrences")
    seq = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    window_ends_at = models.DateTimeField(help_text="Not completed by then: missed.")
    meter_due = models.DecimalField(max_digits=16, decimal_places=3, null=True, blank=True)
    work_order = models.OneToOneField(WorkOrder, null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="pm_occurrence")
    compliance = models.CharField(max_length=10, choices=Compliance.choices, default=Compliance.PENDING)
    completed_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["schedule", "-seq"]
        constraints = [models.UniqueConstraint(fields=["schedule", "seq"], name="unique_pm_occurrence")]
        indexes = [models.Index(fields=["compliance", "window_ends_at"])]

    def __str__(self) -> str:
        return f"{self.schedule} #{self.seq}"


class Project(models.Model):
    """A shutdown or campaign: work orders grouped, with progress, a timeline and the load on people."""

    site_field = "site"

    site = models.ForeignKey("assets.Site", on_delete=models.PROTECT, related_name="projects")
    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    starts_on = models.DateField()
    ends_on = models.DateField()
    status = models.CharField(max_length=10, choices=ProjectStatus.choices, default=ProjectStatus.PLANNED)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    work_orders = models.ManyToManyField(WorkOrder, through="ProjectOrder", related_name="projects", blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = SiteScopedManager()

    class Meta:
        ordering = ["-starts_on", "name"]
        constraints = [models.UniqueConstraint(fields=["site", "name"], name="unique_project_name_per_site"),
                       models.CheckConstraint(condition=Q(ends_on__gte=models.F("starts_on")),
                                              name="project_ends_after_start")]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("workorders:project-detail", args=[self.pk])

    def clean(self) -> None:
        if self.starts_on and self.ends_on and self.ends_on < self.starts_on:
            raise ValidationError({"ends_on": "The project ends before it starts."})


class ProjectOrder(models.Model):
    """An order belongs to at most one project."""

    site_field = "project__site"

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="items")
    work_order = models.OneToOneField(WorkOrder, on_delete=models.CASCADE, related_name="project_item")
    added_at = models.DateTimeField(auto_now_add=True)

    objects = SiteScopedManager()

    def __str__(self) -> str:
        return f"{self.project}: {self.work_order}"
