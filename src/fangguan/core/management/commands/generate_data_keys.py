"""Print a new personal-data key set (JSON for FANGGUAN_DATA_KEYS or the key file).

With --add FILE, print FILE's key set with a new key added and made active (then run
rotate_keys); the old keys stay so existing ciphertexts remain readable until rotated."""

import base64
import json
import os
from pathlib import Path

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Generate personal-data encryption keys."

    def add_arguments(self, parser):
        parser.add_argument("--add", type=Path, help="existing key file to extend with a new active key")

    def handle(self, *args, add, **options):
        new = base64.b64encode(os.urandom(32)).decode()
        if add:
            spec = json.loads(add.read_text())
            key_id = f"k{len(spec['keys']) + 1}"
            while key_id in spec["keys"]:
                key_id += "x"
            spec["keys"][key_id] = new
            spec["active"] = key_id
        else:
            spec = {"active": "k1", "keys": {"k1": new}, "index_key": base64.b64encode(os.urandom(32)).decode()}
        self.stdout.write(json.dumps(spec, indent=2))
