"""Pages of a person's own: the notification inbox and notification preferences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from accounts.filters import NotificationFilterSet
from accounts.forms import PreferencesForm
from accounts.models import Notification, NotificationKind
from accounts.services import mark_notifications_read, set_notification_preferences
from accounts.tables import NotificationTable
from prosync.core.generic import FilteredListView
from prosync.core.views import next_url


class InboxView(FilteredListView):
    model = Notification
    filterset_class = NotificationFilterSet
    title = "Notifications"
    template_name = "accounts/inbox.html"
    partial_template_name = "accounts/_inbox_list.html"
    table_class = NotificationTable
    default_sort = "-created"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["unread_count"] = Notification.objects.for_user(self.request.user).unread().count()
        return ctx


@login_required
@require_POST
def mark_read(request, pk=None):
    """Mark one notification read (``pk``) or all of them; then go to its link or back."""
    if pk is not None:
        note = Notification.objects.for_user(request.user).filter(pk=pk).first()
        mark_notifications_read(request.user, [pk])
        if note is not None and note.url and request.POST.get("open"):
            return redirect(note.url)
    else:
        count = mark_notifications_read(request.user)
        messages.success(request, f"{count} notification{'s' if count != 1 else ''} marked read.")
    return redirect(next_url(request, "accounts:inbox"))


@login_required
def preferences(request):
    form = PreferencesForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        set_notification_preferences(request.user, {k: (data[f"{k}_in_app"], data[f"{k}_email"])
                                                    for k in NotificationKind.values})
        messages.success(request, "Notification preferences saved.")
        return redirect("accounts:notification-preferences")
    return render(request, "accounts/preferences.html", {"form": form, "has_email": bool(request.user.email)})
