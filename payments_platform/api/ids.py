"""Public, prefixed, opaque object ids (`wal_3kTMd9...`). Database ids never leave the server."""

import secrets
import string

from django.db import models

_ALPHABET = string.ascii_letters + string.digits
_RANDOM_LENGTH = 24  # 62**24 ~ 2**143: unguessable, so ids cannot be enumerated.


_ACCEPTED_BYTES = 256 - 256 % len(_ALPHABET)  # 248: byte % 62 is uniform below it


def new_public_id(prefix: str) -> str:
    """`prefix_` and 24 characters drawn uniformly from [A-Za-z0-9] by the OS's CSPRNG.

    One `os.urandom` call per id (not one per character: ids are made on every write of the
    money path); bytes of 248 and above are dropped so that `byte % 62` has no bias.
    """
    characters: list[str] = []
    while len(characters) < _RANDOM_LENGTH:
        random_bytes = secrets.token_bytes(32)
        characters.extend(_ALPHABET[byte % len(_ALPHABET)] for byte in random_bytes if byte < _ACCEPTED_BYTES)
    return f"{prefix}_" + "".join(characters[:_RANDOM_LENGTH])


class PublicIdField(models.CharField):
    """A unique `prefix_random` id, generated when the row is first saved."""

    def __init__(self, *args, prefix: str, **kwargs):
        self.prefix = prefix
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault("unique", True)
        kwargs.setdefault("editable", False)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["prefix"] = self.prefix
        for key, default in (("max_length", 40), ("unique", True), ("editable", False)):
            if kwargs.get(key) == default:
                kwargs.pop(key)
        return name, path, args, kwargs

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if not value:
            value = new_public_id(self.prefix)
            setattr(model_instance, self.attname, value)
        return value
