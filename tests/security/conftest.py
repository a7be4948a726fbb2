from tests.imports.conftest import media, place, run_import  # noqa: F401 - shared fixtures
