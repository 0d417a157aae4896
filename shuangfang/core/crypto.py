"""Personal data encrypted at rest (个人信息保护法 art 51; GB/T 22239-2019 §8.1.4.8 数据保密性).

SM4 (GB/T 32907) in GCM mode through OpenSSL: a random 96-bit nonce per value, the tag authenticates
it, so a changed ciphertext is refused rather than read as garbage.  The key comes from
PII_ENCRYPTION_KEY (32 hex digits); the embedded default derives one from SECRET_KEY so that a
single machine works with nothing configured — a deployment sets its own (docs/deployment.md).

Stored form: "sm4g1:" + base64(nonce ‖ ciphertext ‖ tag).  A value without the prefix is plaintext
written before encryption was turned on, read as it is and encrypted the next time it is saved.
Equality lookups use a blind index: HMAC-SM3 of the normalised value under a second derived key.
"""

import base64
import hashlib
import hmac
import os

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from django.conf import settings
from django.db import models

PREFIX = "sm4g1:"
NONCE_BYTES = 12
TAG_BYTES = 16


class DecryptionError(Exception):
    """The stored value was not written with this key, or was changed after it was written."""


def _master_key() -> bytes:
    configured = getattr(settings, "PII_ENCRYPTION_KEY", "")
    if configured:
        key = bytes.fromhex(configured)
        if len(key) != 16:
            raise ValueError("PII_ENCRYPTION_KEY must be 32 hex digits (an SM4 key is 128 bits)")
        return key
    return hashlib.new("sm3", b"shuangfang-pii:" + settings.SECRET_KEY.encode()).digest()[:16]


def _derived(label: bytes) -> bytes:
    return hmac.new(_master_key(), label, digestmod="sm3").digest()


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(NONCE_BYTES)
    encryptor = Cipher(algorithms.SM4(_derived(b"encrypt")[:16]), modes.GCM(nonce)).encryptor()
    body = encryptor.update(plaintext.encode()) + encryptor.finalize()
    return PREFIX + base64.b64encode(nonce + body + encryptor.tag).decode()


def decrypt(stored: str) -> str:
    if not stored.startswith(PREFIX):
        return stored
    raw = base64.b64decode(stored[len(PREFIX) :])
    nonce, body, tag = raw[:NONCE_BYTES], raw[NONCE_BYTES:-TAG_BYTES], raw[-TAG_BYTES:]
    decryptor = Cipher(algorithms.SM4(_derived(b"encrypt")[:16]), modes.GCM(nonce, tag)).decryptor()
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode()
    except InvalidTag as error:
        raise DecryptionError("the value was not encrypted with this key or was altered") from error


def blind_index(value: str) -> str:
    """The value's lookup key: equal values have equal keys, and the key reveals nothing without the secret."""
    normalised = "".join(value.split()).upper()
    return hmac.new(_derived(b"blind-index"), normalised.encode(), digestmod="sm3").hexdigest()


def mask(value: str, *, keep_start: int = 3, keep_end: int = 4) -> str:
    """What a list shows of an ID or phone number: the first and last few characters."""
    if not value:
        return ""
    if len(value) <= keep_start + keep_end:
        return "*" * len(value)
    return value[:keep_start] + "*" * (len(value) - keep_start - keep_end) + value[-keep_end:]


class EncryptedCharField(models.TextField):
    """A text field stored encrypted; Python code reads and writes the plaintext.

    `max_length` is the plaintext's and is checked by validation; the column is text because the
    ciphertext is longer.  The column cannot be filtered on: keep a blind index beside it for lookups."""

    def __init__(self, *args, **kwargs):
        self.plaintext_max_length = kwargs.pop("max_length", None)
        super().__init__(*args, **kwargs)
        if self.plaintext_max_length:
            from django.core.validators import MaxLengthValidator

            self.validators.append(MaxLengthValidator(self.plaintext_max_length))

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        if self.plaintext_max_length:
            kwargs["max_length"] = self.plaintext_max_length
        return name, "shuangfang.core.crypto.EncryptedCharField", args, kwargs

    def from_db_value(self, value, expression, connection):
        if value is None:
            return value
        return decrypt(value)

    def to_python(self, value):
        if isinstance(value, str):
            return decrypt(value)
        return value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return encrypt(str(value))

    def value_to_string(self, obj):
        # What dumpdata writes: the ciphertext, so that a fixture or a dump is no plaintext copy; loading it
        # back decrypts (to_python) and encrypts again on save.
        value = self.value_from_object(obj)
        return encrypt(value) if value else value

    def formfield(self, **kwargs):
        from django import forms

        defaults = {"max_length": self.plaintext_max_length, "widget": forms.TextInput}
        defaults.update(kwargs)
        return super().formfield(**defaults)


# -- data migrations: encrypting a column that held plaintext, and back ----------------------------------------------

MIGRATION_BATCH = 500


def encrypt_column(model, field: str, *, index_field: str | None = None, batch: int = MIGRATION_BATCH) -> None:
    """Rewrite every row's `field` encrypted (a row already encrypted is read and rewritten the same), filling
    `index_field` with the blind index; in batches, so that a large table is not held in memory at once.
    For a RunPython forward step: `model` is the historical model, whose field is an EncryptedCharField."""
    fields = [field, index_field] if index_field else [field]
    rows = model._base_manager.exclude(**{field: ""}).exclude(**{f"{field}__isnull": True}).order_by("pk")
    pending = []
    for row in rows.only("pk", *fields).iterator(chunk_size=batch):
        if index_field:
            setattr(row, index_field, blind_index(getattr(row, field)))
        pending.append(row)
        if len(pending) >= batch:
            model._base_manager.bulk_update(pending, fields)
            pending = []
    if pending:
        model._base_manager.bulk_update(pending, fields)


def decrypt_column(model, field: str, *, index_field: str | None = None, batch: int = MIGRATION_BATCH) -> None:
    """The reverse of encrypt_column: every row's `field` written back as plaintext (a Value of a plain text
    type, so that the encrypting field does not encrypt it again), and the blind index emptied."""
    rows = model._base_manager.exclude(**{field: ""}).exclude(**{f"{field}__isnull": True}).order_by("pk")
    for row in rows.only("pk", field).iterator(chunk_size=batch):
        changes = {field: models.Value(getattr(row, field), output_field=models.TextField())}
        if index_field:
            changes[index_field] = ""
        model._base_manager.filter(pk=row.pk).update(**changes)
