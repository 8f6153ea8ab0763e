"""Check that every cached on-hand quantity equals the sum of its stock ledger (exit 1 if not)."""

from django.core.management.base import BaseCommand, CommandError

from assets.services_parts import ledger_mismatches


class Command(BaseCommand):
    help = "Compare each part's on hand per storeroom with the sum of its ledger movements."

    def handle(self, **options):
        mismatches = ledger_mismatches()
        for part_id, storeroom_id, cached, total in mismatches:
            self.stderr.write(f"part {part_id} in storeroom {storeroom_id}: on hand {cached}, ledger sum {total}")
        if mismatches:
            raise CommandError(f"{len(mismatches)} stock row(s) differ from the ledger.")
        self.stdout.write("Stock ledger is consistent: every on-hand quantity equals its ledger sum.")
