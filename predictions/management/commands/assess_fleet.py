"""Run one fleet health assessment now (what beat runs every interval)."""

from django.core.management.base import BaseCommand

from predictions import services


class Command(BaseCommand):
    help = "Assess every asset now: health assessments, low-health alerts, predictive work orders."

    def handle(self, *args, **opts):
        report = services.assess_fleet()
        self.stdout.write(", ".join(f"{k.replace('_', ' ')}: {v}" for k, v in report.__dict__.items()))
