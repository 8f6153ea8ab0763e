"""Defaults of the health models (overridable per training run, recorded on the ModelVersion)."""

RUL_CAP = 30.0  # minutes: beyond this the machine is simply "healthy" (piecewise-linear target)
FAILURE_HORIZON = 10.0  # minutes: the classifier predicts failure within this horizon
WINDOW_SECONDS = 600  # features look at the last ten minutes of readings
EWM_HALFLIFE_SECONDS = 60
TOP_CONTRIBUTIONS = 5
LOW_HEALTH_CAUSE = "low_health"
