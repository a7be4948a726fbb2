"""Two input or output shapes with the same class name would share one name in the OpenAPI
components, and ninja silently keeps only one of them — another module's contract would change
without a word. Every shape of the API has a name of its own."""

from collections import defaultdict

from ninja import Schema


def _shapes(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from _shapes(sub)


def test_every_api_shape_has_a_name_of_its_own():
    import json

    import fangguan.api  # noqa: F401  (every router, so every shape, imported)

    by_name = defaultdict(dict)
    for shape in _shapes(Schema):
        if shape.__module__.startswith("fangguan.") and not shape.__module__.startswith("fangguan.core.crud"):
            by_name[shape.__name__][shape.__module__] = json.dumps(shape.model_json_schema(), sort_keys=True)
    # the same name is harmless only for the very same shape (e.g. an error with a ``detail``)
    clashes = {name: sorted(found) for name, found in by_name.items() if len(set(found.values())) > 1}
    assert clashes == {}
