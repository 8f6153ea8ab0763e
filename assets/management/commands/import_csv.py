"""Import sites, locations, assets or parts from a CSV file: the same checks as the upload page;
--dry-run only reports. Exits with an error, having imported nothing, if any row is bad."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import User
from assets.imports import KINDS, run_import


class Command(BaseCommand):
    help = "Import a CSV file of sites, locations, assets or parts (every row is checked first)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=sorted(KINDS))
        parser.add_argument("path", type=Path)
        parser.add_argument("--user", default="admin", help="Username the import is done as (audit, scope).")
        parser.add_argument("--dry-run", action="store_true", help="Check the file and report; write nothing.")

    def handle(self, kind, path, user, dry_run, **options):
        acting = User.objects.filter(username=user).first()
        if acting is None:
            raise CommandError(f"No user {user!r}; pass --user.")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc}") from exc
        report = run_import(kind, data, actor=acting, dry_run=dry_run)
        for error in report.errors:
            self.stderr.write(str(error))
        if not report.ok:
            raise CommandError(f"{len(report.errors)} problem(s) in {report.rows} row(s); nothing imported.")
        verb = "would import" if dry_run else "imported"
        self.stdout.write(f"{kind}: {verb} {report.rows} row(s): {report.created} new, {report.updated} updated.")
