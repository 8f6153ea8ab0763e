"""Back up the database and the uploaded files into one archive."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from prosync.backup import BackupError, create_backup


class Command(BaseCommand):
    help = ("Write a backup (PostgreSQL custom-format dump plus uploaded files) to a .tar archive. "
            "OUTPUT is a file or a folder (default: BACKUP_DIR).")

    def add_arguments(self, parser):
        parser.add_argument("output", nargs="?", help="Archive path or folder.")

    def handle(self, *args, **opts):
        output = Path(opts["output"] or settings.BACKUP_DIR)
        try:
            result = create_backup(output)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"backup written to {result.path} ({result.size / 1e6:.1f} MB, {result.media_files} uploaded files)"))
