"""Administration in the app: people list, invitations, role and site membership, capacity,
deactivation and password resets, as Admins and Managers use them, and what others get.

E-mail: pytest-django replaces the SMTP backend with Django's in-memory outbox (``mailoutbox``);
the messages are the ones the product would send."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth import SESSION_KEY
from django.test import Client

from accounts.models import AuditLog, SiteMembership, User
from accounts.roles import Role
from accounts.services import INVITE_MAX_AGE_S
from conftest import PASSWORD, session_client

pytestmark = pytest.mark.django_db
NEW_PASSWORD = "Pump-seal-4471-kx"


def _link(message) -> str:
    return re.search(r"https?://[^/\s]+(/manage/password/\S+/)", message.body).group(1)


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """E-mails leave after commit; the test's transaction never commits, so a request made inside
    ``with committed():`` runs its after-commit work when the block ends."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def _invite(client, people, committed=None, **extra):
    data = {"email": "new.tech@example.com", "first_name": "Nora", "last_name": "Field", "role": Role.TECHNICIAN,
            "sites": [people.site_a.pk], "weekly_capacity_hours": "32", **extra}
    if committed is None:
        return client.post("/manage/people/invite/", data)
    with committed():
        return client.post("/manage/people/invite/", data)


def test_people_list_shows_filters_and_is_searchable(people, django_assert_max_num_queries):
    client = session_client(people.admin)
    page = client.get("/manage/people/")
    body = page.content.decode()
    assert page.status_code == 200
    for who in ("manager_a", "tech_a", "tech_b", "viewer_a"):
        assert who in body
    assert "Alpha Plant" in body and "40 h/week" in body
    found = client.get("/manage/people/", {"q": "tech_b"}).content.decode()
    assert "tech_b" in found and "tech_a" not in found
    by_role = client.get("/manage/people/", {"role": Role.VIEWER}).content.decode()
    assert "viewer_a" in by_role and "tech_a" not in by_role
    by_site = client.get("/manage/people/", {"site": people.site_b.pk}).content.decode()
    assert "tech_b" in by_site and "manager_a" not in by_site
    with django_assert_max_num_queries(12):
        client.get("/manage/people/")
    export = b"".join(client.get("/manage/people/", {"format": "csv", "site": people.site_a.pk}).streaming_content)
    export = export.decode()
    assert "tech_a,tech_a@example.com,Technician,Alpha Plant,40,Active" in export and "tech_b" not in export


def test_invite_accept_sets_password_and_signs_in(people, mailoutbox, committed):
    response = _invite(session_client(people.manager_a), people, committed)
    assert response.status_code == 302
    person = User.objects.get(email="new.tech@example.com")
    assert person.role == Role.TECHNICIAN and person.site_ids == [people.site_a.pk]
    assert person.weekly_capacity_hours == 32 and not person.has_usable_password()
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["new.tech@example.com"]
    link = _link(mailoutbox[0])

    visitor = Client()
    page = visitor.get(link)
    assert page.status_code == 200 and "Welcome, Nora" in page.content.decode()
    done = visitor.post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302
    assert visitor.session[SESSION_KEY] == str(person.pk)  # signed in
    person.refresh_from_db()
    assert person.check_password(NEW_PASSWORD)
    assert AuditLog.objects.filter(action="user.invite", object_id=str(person.pk), actor=people.manager_a).exists()


def test_reused_invitation_is_refused_with_a_clear_page(people, mailoutbox, committed):
    _invite(session_client(people.admin), people, committed)
    link = _link(mailoutbox[0])
    Client().post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    again = Client().get(link)
    assert again.status_code == 410 and "This link was already used" in again.content.decode()
    post_again = Client().post(link, {"new_password1": "Other-pass-99812", "new_password2": "Other-pass-99812"})
    assert post_again.status_code == 410
    assert User.objects.get(email="new.tech@example.com").check_password(NEW_PASSWORD)


def test_expired_invitation_is_refused(people, mailoutbox, committed):
    from unittest import mock

    from django.core import signing

    _invite(session_client(people.admin), people, committed)
    link = _link(mailoutbox[0])
    # Reading the link later than its lifetime: the signer's clock is moved, nothing else.
    later = signing.time.time() + INVITE_MAX_AGE_S + 60
    with mock.patch("django.core.signing.time.time", return_value=later):
        page = Client().get(link)
    assert page.status_code == 410 and "This link has expired" in page.content.decode()


def test_tampered_link_is_refused(people, mailoutbox, committed):
    _invite(session_client(people.admin), people, committed)
    link = _link(mailoutbox[0])
    page = Client().get(link.replace("/password/", "/password/x"))
    assert page.status_code == 404 and "This link does not work" in page.content.decode()


def test_manager_cannot_see_or_edit_other_sites_people_nor_grant_admin(people):
    client = session_client(people.manager_a)
    listing = client.get("/manage/people/").content.decode()
    assert "tech_a" in listing and "tech_b" not in listing and "admin1" not in listing
    assert client.get(f"/manage/people/{people.tech_b.pk}/").status_code == 404
    assert client.post(f"/manage/people/{people.tech_b.pk}/active/", {"active": "0"}).status_code == 404
    people.tech_b.refresh_from_db()
    assert people.tech_b.is_active

    # Grant Admin: the choice is not offered, and a forged POST is refused.
    form = client.get(f"/manage/people/{people.tech_a.pk}/").content.decode()
    assert 'value="Admin"' not in form
    forged = client.post(f"/manage/people/{people.tech_a.pk}/", {
        "role": Role.ADMIN, "sites": [people.site_a.pk], "weekly_capacity_hours": "40"})
    assert forged.status_code == 422 and "Select a valid choice" in forged.content.decode()
    assert User.objects.get(pk=people.tech_a.pk).role == Role.TECHNICIAN
    # Another site's membership cannot be given either.
    forged = client.post(f"/manage/people/{people.tech_a.pk}/", {
        "role": Role.TECHNICIAN, "sites": [people.site_a.pk, people.site_b.pk], "weekly_capacity_hours": "40"})
    assert forged.status_code == 422
    assert not SiteMembership.objects.filter(user=people.tech_a, site=people.site_b).exists()
    assert _invite(client, people, role=Role.ADMIN).status_code == 422


def test_manager_changes_role_capacity_and_sites_of_their_people(people):
    client = session_client(people.manager_a)
    response = client.post(f"/manage/people/{people.tech_a.pk}/", {
        "first_name": "Tom", "last_name": "Ash", "email": "tom@example.com", "job_title": "Millwright",
        "role": Role.VIEWER, "sites": [people.site_a.pk], "weekly_capacity_hours": "20"})
    assert response.status_code == 302
    tech = User.objects.get(pk=people.tech_a.pk)
    assert tech.role == Role.VIEWER and tech.weekly_capacity_hours == 20 and tech.get_full_name() == "Tom Ash"
    assert "20 h/week" in client.get("/manage/people/").content.decode()
    log = AuditLog.objects.filter(action="user.update", object_id=str(tech.pk)).latest("at")
    assert log.actor == people.manager_a and "weekly_capacity_hours" in log.changes


def test_manager_leaves_what_reaches_other_sites_to_an_admin(people):
    SiteMembership.objects.create(user=people.tech_a, site=people.site_b)
    manager = session_client(people.manager_a)
    manager.post(f"/manage/people/{people.tech_a.pk}/", {
        "role": Role.TECHNICIAN, "sites": [people.site_a.pk], "weekly_capacity_hours": "30"})
    assert SiteMembership.objects.filter(user=people.tech_a, site=people.site_b).exists()
    assert User.objects.get(pk=people.tech_a.pk).weekly_capacity_hours == 30
    # Role and sign-in apply at every site: not the Manager of one of them to change.
    page = manager.post(f"/manage/people/{people.tech_a.pk}/", {
        "role": Role.MANAGER, "sites": [people.site_a.pk], "weekly_capacity_hours": "30"})
    assert page.status_code == 422 and "an Admin changes their role" in page.content.decode()
    manager.post(f"/manage/people/{people.tech_a.pk}/active/", {"active": "0"})
    tech = User.objects.get(pk=people.tech_a.pk)
    assert tech.role == Role.TECHNICIAN and tech.is_active


def test_deactivated_person_cannot_sign_in(people):
    signed_in = session_client(people.tech_a)
    assert signed_in.get("/work-orders/").status_code == 200
    admin = session_client(people.admin)
    assert admin.post(f"/manage/people/{people.tech_a.pk}/active/", {"active": "0"}).status_code == 302
    assert not Client().login(username="tech_a", password=PASSWORD)
    assert signed_in.get("/work-orders/").status_code == 302  # an open session ends too
    admin.post(f"/manage/people/{people.tech_a.pk}/active/", {"active": "1"})
    assert Client().login(username="tech_a", password=PASSWORD)


def test_password_reset_link_works_once(people, mailoutbox, committed):
    admin = session_client(people.admin)
    with committed():
        assert admin.post(f"/manage/people/{people.tech_a.pk}/password/").status_code == 302
    assert mailoutbox[0].to == ["tech_a@example.com"] and "new password" in mailoutbox[0].body
    link = _link(mailoutbox[0])
    assert Client().post(link, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}).status_code == 302
    assert Client().login(username="tech_a", password=NEW_PASSWORD)
    assert Client().get(link).status_code == 410


@pytest.mark.parametrize("url", ["/manage/people/", "/manage/people/invite/", "/manage/settings/",
                                 "/manage/work/response-times/", "/manage/work/codes/", "/manage/work/checklists/"])
def test_technician_gets_403_on_admin_pages(people, url):
    page = session_client(people.tech_a).get(url)
    assert page.status_code == 403 and "You may not do this" in page.content.decode()


def test_menu_shows_settings_only_to_those_who_may_use_it(people):
    assert ">Settings</a>" in session_client(people.admin).get("/manage/people/").content.decode()
    assert ">Settings</a>" in session_client(people.manager_a).get("/manage/people/").content.decode()
    assert ">Settings</a>" not in session_client(people.tech_a).get("/notifications/").content.decode()


def test_nobody_changes_their_own_role(people):
    page = session_client(people.admin).post(f"/manage/people/{people.admin.pk}/", {
        "role": Role.VIEWER, "sites": [], "weekly_capacity_hours": "40"})
    assert page.status_code == 422 and "You cannot change your own role" in page.content.decode()
    assert User.objects.get(pk=people.admin.pk).role == Role.ADMIN


def test_own_time_zone_is_saved(people):
    client = session_client(people.tech_a)
    assert client.post("/manage/me/", {"time_zone": "Europe/Berlin", "language": ""}).status_code == 302
    assert User.objects.get(pk=people.tech_a.pk).time_zone == "Europe/Berlin"
    bad = client.post("/manage/me/", {"time_zone": "Mars/Base", "language": ""})
    assert bad.status_code == 422 and "Select a valid choice" in bad.content.decode()


def test_invitation_lifetime_is_a_week():
    assert timedelta(seconds=INVITE_MAX_AGE_S) == timedelta(days=7)
