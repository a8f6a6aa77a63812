"""Storage for attachments that must never be public."""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


class PrivateStorage(FileSystemStorage):
    """Files under PRIVATE_MEDIA_ROOT, with no URL: only a permission-checking
    view may stream them."""

    def __init__(self, **kwargs):
        kwargs.setdefault("location", settings.PRIVATE_MEDIA_ROOT)
        kwargs["base_url"] = None
        super().__init__(**kwargs)

    def url(self, name):
        raise ValueError("Gli allegati privati non hanno un indirizzo pubblico.")


def private_storage() -> PrivateStorage:
    # A callable keeps the storage (and its settings-dependent location) out
    # of migrations.
    return PrivateStorage()
