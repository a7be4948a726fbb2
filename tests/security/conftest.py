from tests.imports.conftest import media, place, run_import  # noqa: F401 - shared fixtures
from tests.open311.conftest import receiver, world  # noqa: F401
