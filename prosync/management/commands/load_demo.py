"""Load the demo plant (sites, asset tree, sensors, users of each role) into an empty database."""

from django.core.management.base import BaseCommand, CommandError

from assets.models import Site
from prosync.demo import DEMO_PASSWORD, DEMO_USERS, load_demo_plant


class Command(BaseCommand):
    help = "Load the demo plant. With --if-empty, do nothing when sites already exist."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true")

    def handle(self, *args, **opts):
        if Site.objects.exists():
            if opts["if_empty"]:
                self.stdout.write("database already holds sites; demo plant not loaded")
                return
            raise CommandError("the database already holds sites; the demo plant loads only into an empty one")
        counts = load_demo_plant()
        self.stdout.write(self.style.SUCCESS(", ".join(f"{v} {k}" for k, v in counts.items()) + " loaded"))
        self.stdout.write(f"demo users (password '{DEMO_PASSWORD}'): " + ", ".join(u[0] for u in DEMO_USERS))
