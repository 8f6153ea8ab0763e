"""Administration pages in the app: the people list, invitations, a person's role, sites and
capacity, deactivation and password resets; the instance settings; and the public page where an
invitation or reset link sets a password."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.forms import SetPasswordForm
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from accounts import services
from accounts.filters import PersonFilterSet
from accounts.forms import InstanceSettingsForm, InviteForm, OwnPreferencesForm, PersonForm
from accounts.models import InstanceSettings, User
from accounts.preferences import instance_settings
from accounts.tables import PersonTable, hours, person_status, role_of
from prosync.core.generic import FilteredListView
from prosync.core.permissions import can
from prosync.core.views import apply_errors, render_form


def _link_base(request) -> str:
    """Where e-mailed links point: SITE_URL, as for every e-mail (behind a proxy the request's own
    address may be an internal one); the request's address where it is not set."""
    return getattr(settings, "SITE_URL", "") or request.build_absolute_uri("/")


def _require_people_admin(user) -> None:
    if not services.may_manage_people(user):
        raise PermissionDenied("Only Admins and Managers may manage people.")


class PersonListView(FilteredListView):
    model = User
    action = "change"
    filterset_class = PersonFilterSet
    table_class = PersonTable
    title = "People"
    template_name = "accounts/people_list.html"
    partial_template_name = "accounts/_people_table.html"
    default_sort = "name"

    def get_queryset(self):
        _require_people_admin(self.request.user)
        return super().get_queryset()

    def base_queryset(self):
        return User.objects.prefetch_related("groups", "memberships__site")

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["can_change_settings"] = can(self.request.user, "change", InstanceSettings)
        return ctx


@login_required
def invite(request):
    _require_people_admin(request.user)
    form = InviteForm(request.POST or None, actor=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = services.invite_user(
                actor=request.user, email=data["email"], role=data["role"],
                site_ids=[s.pk for s in data["sites"]], link_base=_link_base(request),
                first_name=data["first_name"], last_name=data["last_name"], job_title=data["job_title"],
                weekly_capacity_hours=data["weekly_capacity_hours"])
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"Invitation sent to {person.email}. The link works once, for 7 days.")
            return redirect("people:list")
    return render_form(request, form, "accounts/person_form.html", "accounts/person_form.html",
                       {"title": "Invite someone", "submit": "Send invitation"})


def _managed(request, pk) -> User:
    _require_people_admin(request.user)
    return get_object_or_404(services.managed_people(request.user).prefetch_related("groups"), pk=pk)


@login_required
def edit(request, pk):
    person = _managed(request, pk)
    actor = request.user
    in_reach = person.memberships.all() if actor.sees_all_sites else person.memberships.filter(
        site_id__in=actor.site_ids)
    initial = {"first_name": person.first_name, "last_name": person.last_name, "email": person.email,
               "job_title": person.job_title, "phone": person.phone, "role": role_of(person),
               "sites": [m.site_id for m in in_reach], "weekly_capacity_hours": hours(person.weekly_capacity_hours)}
    form = PersonForm(request.POST or None, actor=actor, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_person(person, actor=actor, role=data["role"], site_ids=[s.pk for s in data["sites"]],
                                   **{k: data[k] for k in ("first_name", "last_name", "email", "job_title", "phone",
                                                           "weekly_capacity_hours")})
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, f"{person} saved.")
            return redirect("people:list")
    return render_form(request, form, "accounts/person_form.html", "accounts/person_form.html",
                       {"title": str(person), "submit": "Save", "person": person,
                        "status": person_status(person), "is_self": person.pk == actor.pk})


@login_required
@require_POST
def set_active(request, pk):
    person = _managed(request, pk)
    active = request.POST.get("active") == "1"
    try:
        services.set_active(person, active, actor=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"{person} can sign in again." if active else
                         f"{person} is deactivated: they can no longer sign in; their work history stays.")
    return redirect("people:edit", pk=person.pk)


@login_required
@require_POST
def reset_password(request, pk):
    person = _managed(request, pk)
    try:
        if person_status(person) == "Invited":
            services.resend_invitation(person, actor=request.user, link_base=_link_base(request))
            messages.success(request, f"A new invitation was sent to {person.email}; the earlier link no longer works.")
        else:
            services.send_password_reset(person, actor=request.user, link_base=_link_base(request))
            messages.success(request, f"A link to choose a new password was sent to {person.email}.")
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    return redirect("people:edit", pk=person.pk)


_REFUSALS = {
    "expired": ("This link has expired",
                "Links to set a password work for a limited time. "
                "Ask your administrator or planner to send a new one."),
    "used": ("This link was already used",
             "A password was already set with it. Sign in with your password, or ask for a new link if you forgot it."),
    "invalid": ("This link does not work",
                "It may have been copied incompletely, or the account was deactivated. "
                "Ask your administrator or planner for a new one."),
}


@never_cache
def set_password(request, token):
    """The page an invitation or reset e-mail links to: choose a password, then you are signed in."""
    try:
        person, purpose = services.read_password_link(token)
    except services.LinkRefused as refused:
        title, text = _REFUSALS[refused.reason]
        return render(request, "accounts/link_refused.html", {"title": title, "text": text}, status=410
                      if refused.reason in ("expired", "used") else 404)
    form = SetPasswordForm(person, request.POST or None)
    # The validators' own list is long on a phone; the same rules in one line (they still apply).
    form.fields["new_password1"].help_text = ("At least 8 characters, not only digits, not a common password "
                                              "and not close to your name or e-mail.")
    if request.method == "POST" and form.is_valid():
        try:
            person = services.set_password_from_link(token, form.cleaned_data["new_password1"])
        except services.LinkRefused as refused:
            title, text = _REFUSALS[refused.reason]
            return render(request, "accounts/link_refused.html", {"title": title, "text": text}, status=410)
        login(request, person, backend="accounts.access.CachedModelBackend")
        messages.success(request, "Your password is set. Welcome to ProSyncHub.")
        return redirect(settings.LOGIN_REDIRECT_URL)
    return render_form(request, form, "accounts/set_password.html", "accounts/set_password.html",
                       {"person": person, "purpose": purpose}, refused=400)


@login_required
def settings_page(request):
    """The instance's currency, default time zone and date style (Admins); links to the other settings."""
    if not can(request.user, "change", InstanceSettings):
        raise PermissionDenied("Only an Admin may change the instance settings.")
    form = InstanceSettingsForm(request.POST or None, initial=instance_settings())
    if request.method == "POST" and form.is_valid():
        try:
            services.update_instance_settings(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_errors(form, exc)
        else:
            messages.success(request, "Settings saved.")
            return redirect("people:settings")
    return render_form(request, form, "accounts/settings.html", "accounts/settings.html", {})


@login_required
def own_preferences(request):
    """A person's own time zone and language."""
    user = request.user
    form = OwnPreferencesForm(request.POST or None, instance_zone=instance_settings()["time_zone"],
                              initial={"time_zone": user.time_zone, "language": user.language})
    if request.method == "POST" and form.is_valid():
        services.set_own_preferences(user, **form.cleaned_data)
        messages.success(request, "Your preferences are saved.")
        return redirect("people:my-preferences")
    return render_form(request, form, "accounts/own_preferences.html", "accounts/own_preferences.html", {})
