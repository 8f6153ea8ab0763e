"""Permission tests written once and applied to every model, for the API and the HTML pages alike.

A model is covered by declaring a ``PermissionCase`` (how to make one object on site A and one on
site B, its API basename, its page URL names, create/update payloads) and two small subclasses:

    PART = PermissionCase("part", make=make_part, api="part", html_list="assets:part-list",
                          html_detail="assets:part-detail", shared=True,
                          create=lambda p: {"part_number": "N-1", "name": "New"}, update={"name": "Renamed"})

    class TestPartAPI(APIPermissionTests):
        case = PART

    class TestPartPages(PagePermissionTests):
        case = PART

What is checked, with the conftest ``plant`` (sites A and B, users of each role):
- anonymous: the API answers 401, pages redirect to the login page;
- no permission (a member of site A without a role): 403 on lists and details;
- wrong site (the technician of site B): site A's object is not listed, its detail is 404, a
  writer of site B gets 404 changing it; the CSV export of the page does not contain it either;
- the Viewer of site A reads the object but cannot create, change or delete (403/405), and
  nothing changes;
- a permitted user (``writer``, by default the Manager of site A) creates, reads, updates and
  deletes through the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import reverse

from conftest import PASSWORD, Plant, jwt_client


@dataclass(frozen=True)
class PermissionCase:
    name: str
    make: Callable[[Plant, str], object]  # (plant, "a" | "b") -> a saved object on that site
    api: str | None = None  # router basename, e.g. "part" -> api:part-list / api:part-detail
    html_list: str | None = None  # URL name of the list page
    html_detail: str | None = None  # URL name of the detail page (takes the pk)
    shared: bool = False  # the same for every site (catalogue, categories): no site scope to test
    create: Callable[[Plant], dict] | None = None  # API POST body; None: not created through CRUD
    update: dict | None = None  # API PATCH body; None: not updated through CRUD
    delete_status: int | None = 204  # what the writer gets deleting (204, or 405 where rows are kept)
    writer: str = "manager_a"  # a plant attribute: who may write on site A
    # Text that identifies the object in its list page and CSV export (default: the detail URL on
    # the page, the id in the export's first column).
    marker: Callable[[object], str] | None = None

    def __str__(self) -> str:
        return self.name

    def api_list(self) -> str:
        return reverse(f"api:{self.api}-list")

    def api_detail(self, obj) -> str:
        return reverse(f"api:{self.api}-detail", args=[obj.pk])

    def page_marker(self, obj) -> str:
        if self.marker is not None:
            return self.marker(obj)
        return f'href="{reverse(self.html_detail, args=[obj.pk])}"'


def _snapshot(obj):
    return type(obj).objects.filter(pk=obj.pk).values().first()


class APIPermissionTests:
    case: PermissionCase

    @pytest.fixture
    def objs(self, plant):
        return self.case.make(plant, "a"), self.case.make(plant, "b")

    @pytest.fixture
    def manager_b(self, plant):
        from accounts.roles import Role
        from accounts.services import create_user

        return create_user(username="manager_b", password=PASSWORD, role=Role.MANAGER, site_ids=[plant.site_b.pk])

    def test_anonymous_gets_401(self, plant, objs):
        client = jwt_client(None)
        for url in (self.case.api_list(), self.case.api_detail(objs[0])):
            assert client.get(url).status_code == 401, url
        if self.case.create:
            assert client.post(self.case.api_list(), self.case.create(plant), format="json").status_code == 401

    def test_user_without_role_gets_403(self, plant, objs):
        client = jwt_client(plant.norole)
        assert client.get(self.case.api_list()).status_code == 403
        assert client.get(self.case.api_detail(objs[0])).status_code == 403

    def test_own_site_viewer_lists_and_reads(self, plant, objs):
        client = jwt_client(plant.viewer_a)
        response = client.get(self.case.api_list(), {"page_size": 500})
        assert response.status_code == 200
        ids = {row["id"] for row in response.json()["results"]}
        assert objs[0].pk in ids
        assert client.get(self.case.api_detail(objs[0])).status_code == 200

    def test_other_site_user_neither_lists_nor_reads(self, plant, objs):
        if self.case.shared:
            pytest.skip("shared by every site")
        client = jwt_client(plant.tech_b)
        response = client.get(self.case.api_list(), {"page_size": 500})
        assert response.status_code == 200
        ids = {row["id"] for row in response.json()["results"]}
        assert objs[0].pk not in ids and objs[1].pk in ids
        assert client.get(self.case.api_detail(objs[0])).status_code == 404

    def test_viewer_cannot_write(self, plant, objs):
        obj = objs[0]
        before, count = _snapshot(obj), type(obj).objects.count()
        client = jwt_client(plant.viewer_a)
        body = self.case.create(plant) if self.case.create else {}
        assert client.post(self.case.api_list(), body, format="json").status_code in (403, 405)
        assert client.patch(self.case.api_detail(obj), self.case.update or {}, format="json").status_code in (403, 405)
        assert client.delete(self.case.api_detail(obj)).status_code in (403, 405)
        assert _snapshot(obj) == before and type(obj).objects.count() == count

    def test_other_site_writer_cannot_change(self, plant, objs, manager_b):
        if self.case.shared or self.case.update is None or self.case.writer == "admin":
            pytest.skip("shared by every site, not updated through CRUD, or written by Admins (who see every site)")
        obj = objs[0]
        before = _snapshot(obj)
        client = jwt_client(manager_b)
        assert client.patch(self.case.api_detail(obj), self.case.update, format="json").status_code == 404
        assert client.delete(self.case.api_detail(obj)).status_code in (404, 405)
        assert _snapshot(obj) == before

    def test_permitted_user_creates_reads_updates_deletes(self, plant, objs):
        if self.case.create is None:
            pytest.skip("not created through CRUD")
        client = jwt_client(getattr(plant, self.case.writer))
        created = client.post(self.case.api_list(), self.case.create(plant), format="json")
        assert created.status_code == 201, created.content
        model = type(objs[0])
        obj = model.objects.get(pk=created.json()["id"])
        assert client.get(self.case.api_detail(obj)).status_code == 200
        if self.case.update is not None:
            updated = client.patch(self.case.api_detail(obj), self.case.update, format="json")
            assert updated.status_code == 200, updated.content
            for key, value in self.case.update.items():
                assert str(updated.json()[key]) == str(value)
        if self.case.delete_status is not None:
            assert client.delete(self.case.api_detail(obj)).status_code == self.case.delete_status
            assert model.objects.filter(pk=obj.pk).exists() == (self.case.delete_status != 204)


class PagePermissionTests:
    case: PermissionCase

    @pytest.fixture
    def objs(self, plant):
        return self.case.make(plant, "a"), self.case.make(plant, "b")

    def _urls(self, obj) -> list[str]:
        urls = []
        if self.case.html_list:
            urls.append(reverse(self.case.html_list))
        if self.case.html_detail:
            urls.append(reverse(self.case.html_detail, args=[obj.pk]))
        return urls

    def _exported(self, rows: list[str], obj) -> bool:
        if self.case.marker is not None:
            return any(self.case.marker(obj) in row for row in rows)
        return any(row.split(",", 1)[0] == str(obj.pk) for row in rows)  # default export: the id comes first

    def test_anonymous_is_sent_to_login(self, client, objs):
        for url in self._urls(objs[0]):
            response = client.get(url)
            assert response.status_code == 302 and response["Location"].startswith(reverse("login")), url

    def test_user_without_role_gets_403(self, client, plant, objs):
        client.force_login(plant.norole)
        for url in self._urls(objs[0]):
            assert client.get(url).status_code == 403, url

    def test_own_site_viewer_sees_it(self, client, plant, objs):
        client.force_login(plant.viewer_a)
        if self.case.html_list:
            html = client.get(reverse(self.case.html_list), {"page_size": 500}).content.decode()
            assert self.case.page_marker(objs[0]) in html
        if self.case.html_detail:
            assert client.get(reverse(self.case.html_detail, args=[objs[0].pk])).status_code == 200

    def test_other_site_user_does_not_see_it_nor_export_it(self, client, plant, objs):
        if self.case.shared:
            pytest.skip("shared by every site")
        client.force_login(plant.tech_b)
        if self.case.html_list:
            url = reverse(self.case.html_list)
            html = client.get(url).content.decode()
            assert self.case.page_marker(objs[0]) not in html
            assert self.case.page_marker(objs[1]) in html
            export = client.get(url, {"format": "csv"})
            assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
            rows = b"".join(export.streaming_content).decode("utf-8-sig").splitlines()[1:]
            assert not self._exported(rows, objs[0]) and self._exported(rows, objs[1])
        if self.case.html_detail:
            assert client.get(reverse(self.case.html_detail, args=[objs[0].pk])).status_code == 404
            assert client.get(reverse(self.case.html_detail, args=[objs[1].pk])).status_code == 200
