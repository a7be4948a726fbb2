"""Re-encrypt personal data under the active key (and algorithm) and, with --reindex, recompute
the blind indexes under the current index key. Run after adding a key to FANGGUAN_DATA_KEYS (or
the key file) and making it active; old keys can be removed once this reports nothing left."""

from django.core.management.base import BaseCommand
from django.db import transaction

from fangguan.core import crypto
from fangguan.core.context import audit_context


class Command(BaseCommand):
    help = "Re-encrypt every ciphertext not under the active key; --reindex recomputes blind indexes."

    def add_arguments(self, parser):
        parser.add_argument("--reindex", action="store_true", help="also recompute every blind index")
        parser.add_argument("--batch", type=int, default=2000)

    def handle(self, *args, reindex, batch, **options):
        ring = crypto.keyring()
        prefix = f"{crypto.ALGORITHM}${ring.active}$"
        with audit_context(cause="rotate_keys"):
            for field in crypto.ENCRYPTED:
                model = field.model
                qs = model._default_manager.exclude(**{field.cipher: ""})
                if not reindex:
                    qs = qs.exclude(**{f"{field.cipher}__startswith": prefix})
                done = 0
                last_pk = 0
                while True:
                    rows = list(qs.filter(pk__gt=last_pk).order_by("pk")[:batch])
                    if not rows:
                        break
                    for row in rows:
                        clear = crypto.decrypt(getattr(row, field.cipher), purpose=field.purpose)
                        setattr(row, field.cipher, crypto.encrypt(clear, purpose=field.purpose))
                        if reindex and field.index:
                            setattr(row, field.index, crypto.blind_index(field.normalise(clear), purpose=field.purpose))
                    with transaction.atomic():
                        model._default_manager.bulk_update(rows, [field.cipher] + ([field.index] if reindex and field.index else []))
                    done += len(rows)
                    last_pk = rows[-1].pk
                self.stdout.write(f"{model._meta.label}.{field.cipher}: {done} re-encrypted under key {ring.active}")
