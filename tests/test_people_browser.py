"""Administration and request tracking in a real browser (Chromium + Playwright against uvicorn),
at desktop (1366 x 900) and phone (390 x 844) widths, each page checked with axe-core and saved
as a screenshot to look at: the people list, the invite form, a person's page, the failure codes,
the settings page, the checklist builder (reordered with its buttons) and a requester's tracking
page; and an invitation accepted from its link, a person's own preferences and My requests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.browser import PHONE, log_in, needs_chromium, new_page, off_the_loop, shot

DESKTOP = {"width": 1366, "height": 900}
AXE = Path(__file__).resolve().parent / "vendor" / "axe.min.js"  # axe-core, injected by the test only
SERIOUS = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 4).map(n => n.target.join(" ")).join(", ")}`);
}"""


def look(page, output_dir, name):
    """Save the page for a person to look at, and check it with axe: no serious or critical violation."""
    shot(page, output_dir, name)
    page.add_script_tag(path=str(AXE))
    assert page.evaluate(SERIOUS) == [], name


@pytest.mark.browser
@needs_chromium
def test_admin_pages_and_tracking_at_both_widths(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    from workorders import services_planning as requests
    from workorders.models import ChecklistTemplate, ChecklistTemplateItem, FailureCode
    from workorders.services import add_comment, transition_work_order
    from workorders.services_tracking import tracking_path

    plant = live_plant

    def setup():
        template = ChecklistTemplate.objects.create(name="Pump monthly", category=plant.category)
        for position, (label, kind, unit, low, high) in enumerate([
                ("Seal is dry", "pass_fail", "", None, None),
                ("Vibration at the drive end", "number", "mm/s", None, 4.5),
                ("Discharge pressure", "number", "bar", 2, 6),
                ("Anything unusual", "text", "", None, None)]):
            ChecklistTemplateItem.objects.create(template=template, label=label, kind=kind, unit=unit,
                                                 min_value=low, max_value=high, position=position)
        wr = requests.submit_request(asset=plant.asset_a, title="Water drips from the pump housing",
                                     description="Water drips from the pump housing since this morning.",
                                     reporter_name="Ida Visitor", reporter_contact="ida@example.com")
        wo = requests.approve_request(wr, actor=plant.manager_a, assignee=plant.tech_a)
        transition_work_order(wo, "in_progress", actor=plant.tech_a)
        add_comment(wo, "The seal is ordered; we fit it on Thursday.", actor=plant.manager_a, public=True)
        add_comment(wo, "Seal costs 380, charge to line 2", actor=plant.manager_a)
        for kind, code, text in (("problem", "LEAK", "Leaking seal or joint"), ("cause", "WEAR", "Worn part"),
                                 ("remedy", "REPL", "Part replaced"), ("problem", "VIB", "Excessive vibration")):
            FailureCode.objects.create(kind=kind, code=code, description=text)
        return template.pk, tracking_path(wr)

    template_pk, track = off_the_loop(setup)

    for width, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
        page = new_page(browser, viewport, inject_scripts=True)
        log_in(page, asgi_server, "admin1")
        page.goto(f"{asgi_server}/manage/people/")
        expect(page.locator("table")).to_contain_text("tech_a")
        look(page, output_dir, f"people-{width}")

        page.goto(f"{asgi_server}/manage/people/invite/")
        page.fill("input[name=email]", f"nora.{width}@example.com")
        page.fill("input[name=first_name]", "Nora")
        page.fill("input[name=last_name]", "Field")
        page.select_option("select[name=role]", "Technician")
        page.locator("input[name=sites]").first.check()
        look(page, output_dir, f"invite-{width}")
        page.click("button[type=submit]:has-text('Send invitation')")
        expect(page.locator(".msg")).to_contain_text(f"Invitation sent to nora.{width}@example.com")
        expect(page.locator("table")).to_contain_text("Invited")
        page.get_by_role("link", name="Nora Field").last.click()
        expect(page.locator("h1")).to_have_text("Nora Field")
        look(page, output_dir, f"person-{width}")

        page.goto(f"{asgi_server}/manage/work/codes/")
        look(page, output_dir, f"codes-{width}")

        page.goto(f"{asgi_server}/manage/settings/")
        look(page, output_dir, f"settings-{width}")

        page.goto(f"{asgi_server}/manage/work/checklists/{template_pk}/")
        labels = page.locator(".builder-items .label strong")
        before = labels.all_inner_texts()
        # Move the last check up with its button (a plain form: works without JavaScript too).
        page.locator(".builder-items > li").last.get_by_role("button", name="up").click()
        expect(labels).to_have_text([*before[:2], before[3], before[2]])
        page.locator(".builder-items > li").nth(2).get_by_role("button", name="down").click()
        expect(labels).to_have_text(before)
        look(page, output_dir, f"checklist-builder-{width}")

        visitor = new_page(browser, viewport, inject_scripts=True)
        visitor.goto(f"{asgi_server}{track}")
        expect(visitor.locator("h1")).to_have_text("Being worked on")
        expect(visitor.locator(".steps .current")).to_have_text("Being worked on")
        expect(visitor.locator(".timeline")).to_contain_text("we fit it on Thursday")
        expect(visitor.locator("body")).not_to_contain_text("charge to line 2")
        look(visitor, output_dir, f"tracking-{width}")


@pytest.mark.browser
@needs_chromium
def test_invitation_accepted_from_its_link_on_a_phone(browser, live_plant, asgi_server, output_dir):
    from playwright.sync_api import expect

    from accounts.roles import Role
    from accounts.services import invite_user, password_link_token

    plant = live_plant

    def setup():
        person = invite_user(actor=plant.manager_a, email="new.tech@example.com", role=Role.TECHNICIAN,
                             site_ids=[plant.site_a.pk], link_base="http://unused", first_name="Nora")
        return password_link_token(person, "invite")

    token = off_the_loop(setup)
    page = new_page(browser, PHONE, inject_scripts=True)
    page.goto(f"{asgi_server}/manage/password/{token}/")
    expect(page.locator("h1")).to_have_text("Welcome, Nora")
    page.fill("input[name=new_password1]", "Pump-seal-4471-kx")
    page.fill("input[name=new_password2]", "Pump-seal-4471-kx")
    look(page, output_dir, "set-password-phone")
    page.click("button[type=submit]")
    expect(page.locator(".msg")).to_contain_text("Your password is set")
    page.goto(f"{asgi_server}/manage/me/")
    page.select_option("select[name=time_zone]", "Europe/Berlin")
    page.click("button[type=submit]")
    expect(page.locator(".msg")).to_contain_text("Your preferences are saved")
    look(page, output_dir, "my-preferences-phone")
    page.goto(f"{asgi_server}/work-orders/requests/mine/")
    expect(page.locator("h1")).to_have_text("My requests")
    expect(page.locator(".empty")).to_contain_text("You have not reported anything yet")
    shot(page, output_dir, "my-requests-phone")
    page.goto(f"{asgi_server}/manage/password/{token}/")
    expect(page.locator("h1")).to_have_text("This link was already used")
    look(page, output_dir, "link-used-phone")
