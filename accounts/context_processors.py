"""Values every page's layout needs."""

from django.conf import settings


def navigation(request):
    return {"PROSYNC_ENV": settings.PROSYNC_ENV}
