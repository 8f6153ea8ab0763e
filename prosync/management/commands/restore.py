"""Put a backup archive back: the database's content and the uploaded files are replaced."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from prosync.backup import BackupError, read_manifest, restore_backup


class Command(BaseCommand):
    help = "Restore a backup written by `manage.py backup`. Everything in the database is replaced."

    def add_arguments(self, parser):
        parser.add_argument("archive")
        parser.add_argument("--yes", action="store_true", help="Do not ask for confirmation.")

    def handle(self, *args, **opts):
        archive = Path(opts["archive"])
        try:
            manifest = read_manifest(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        if not opts["yes"]:
            answer = input(f"Replace everything in the database with the backup of {manifest['created_at']}? "
                           "Type 'yes' to go on: ")
            if answer.strip().lower() != "yes":
                raise CommandError("restore cancelled; nothing was changed")
        try:
            restore_backup(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(self.style.SUCCESS(
            f"restored the backup of {manifest['created_at']} ({manifest['media_files']} uploaded files)"))
