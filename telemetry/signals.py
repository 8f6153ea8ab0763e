"""Signals for the apps beside and above telemetry (work orders open an order for an alarm
without telemetry importing them)."""

from django.dispatch import Signal

# Sent after commit with sender=Alert, alert=<Alert>, rule=<AlarmRule>: a rule raised an alarm.
alarm_raised = Signal()
