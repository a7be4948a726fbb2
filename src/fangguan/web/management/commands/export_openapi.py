"""Print the API's OpenAPI schema; the committed copy is docs/openapi.json (a test diffs them)."""

import json

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print the OpenAPI 3 schema of /api/v1/ as JSON."

    def handle(self, *args, **options):
        from fangguan.api import api

        schema = api.get_openapi_schema(path_prefix="/api/v1/")
        self.stdout.write(json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True))
