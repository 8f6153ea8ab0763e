"""`manage.py backup` and `restore`: a round trip on the real PostgreSQL server puts back the
plant's records and its uploaded files, and drops what was written after the backup."""

import tarfile

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.management import CommandError, call_command

from assets.models import Asset, Site


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.BACKUP_DIR = tmp_path / "backups"
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_backup_restore_round_trip(media, tmp_path):
    site = Site.objects.create(code="kept", name="Kept Plant")
    Asset.objects.create(site=site, tag="P-1", name="Feed pump")
    default_storage.save("docs/manual.pdf", ContentFile(b"%PDF-1.4 pump manual"))
    archive = tmp_path / "nightly.tar"

    call_command("backup", str(archive))
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "database.dump" in names and "media/docs/manual.pdf" in names

    # What happens after the backup: a deletion, a new site, a lost file and a new one.
    Asset.objects.filter(tag="P-1").delete()
    Site.objects.create(code="later", name="Later Plant")
    default_storage.delete("docs/manual.pdf")
    default_storage.save("docs/after.txt", ContentFile(b"written after the backup"))

    call_command("restore", str(archive), "--yes")

    assert list(Site.objects.values_list("code", flat=True)) == ["kept"]
    assert Asset.objects.get(tag="P-1").name == "Feed pump"
    assert (media / "docs" / "manual.pdf").read_bytes() == b"%PDF-1.4 pump manual"
    assert not (media / "docs" / "after.txt").exists()


@pytest.mark.django_db(transaction=True)
def test_backup_into_a_folder_gets_a_dated_name(media, settings):
    call_command("backup")
    written = list(settings.BACKUP_DIR.glob("prosync-backup-*.tar"))
    assert len(written) == 1
    assert not list(settings.BACKUP_DIR.glob("*.partial"))


@pytest.mark.django_db
def test_restore_refuses_a_file_that_is_not_a_backup(tmp_path):
    bogus = tmp_path / "notes.tar"
    with tarfile.open(bogus, "w") as tar:
        readme = tmp_path / "readme.txt"
        readme.write_text("hello")
        tar.add(readme, arcname="readme.txt")
    with pytest.raises(CommandError, match="not a ProSyncHub backup"):
        call_command("restore", str(bogus), "--yes")
    with pytest.raises(CommandError, match="not a ProSyncHub backup"):
        call_command("restore", str(tmp_path / "missing.tar"), "--yes")
