"""The permission kit: every route × every demo role plus anonymous × every action.

Routes are discovered from the URL resolver (``django.urls.get_resolver()``; for the API, the
methods of each path from ninja's operations), so a route added to any app is checked the day
it is added: a route that no spec covers fails ``tests/test_permissions_every_route.py`` with
its name and the file to add.

Each app supplies its spec in ``tests/<app>/permissions.py``: a module-level ``SPEC``, a list
of ``Case`` — one request (method, route, a concrete path built from the demo) and, per role,
the status expected, written by hand from the module's rules (``expect(...)``). Where the
route lists or exports records, ``rows`` is an independent oracle (the test's own ORM query or
a hand-written table, never the module's scope functions) and ``got`` reads the ids from the
answer. The kit then sends the request as each role, inside a transaction that is rolled back,
and checks:

- the status, for every role and for anonymous — anonymous gets the login page (web) or 401
  (API) on every route except ``PUBLIC`` (by URL name), whose spec states anonymous itself;
- the rows, where an oracle is given, for every role that is answered 2xx;
- for a write (anything but GET) refused to a role (4xx, or anonymous), that nothing changed:
  the row count of every table and ``snapshot()`` (the target's own state) before and after.

``python -m tests.kit.permissions`` prints how many routes, endpoints, cases and role-requests
the kit covers.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import re
from collections.abc import Callable, Hashable, Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

ROLES = ["admin", "zhujing", "juweihui", "wuye", "yeweihui", "yezhu", "auditor", "sysadmin", "secadmin", "auditadmin"]
ANON = "anonymous"
EVERYONE = [*ROLES, ANON]
METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")
# Routes answered as an API (a bearer token; anonymous gets 401): the API and Open311's GeoReport.
API_PREFIXES = ("api/", "open311/")

# Routes open to anonymous visitors, by URL name. Their specs state what anonymous gets; every
# other route must answer anonymous with the login page (web) or 401 (API).
PUBLIC = {
    "healthz",  # the load balancer's health check
    "metrics",  # Prometheus' scrape: a bearer token of its own, 401 without (tests/ops/test_metrics.py)
    "login", "logout", "set_language",  # the login page, logging out, the language switch
    "api:issue_token",  # POST /api/v1/auth/token: a password for a token
    "admin:login", "admin:logout",  # the admin's own login page, and leaving it
    "api:api-root",  # /api/v1/ itself: ninja's root, answering 404 to everyone
    "oidc_authentication_init", "oidc_authentication_callback", "oidc_logout",  # identity-provider login
}

# Routes that have landed without a spec and are tolerated for now. Every entry is a debt the
# module's owner pays by adding ``tests/<app>/permissions.py``; the lead sees this list.
TODO: dict[str, str] = {
    # "GET /api/v1/example": "module owner: add tests/example/permissions.py",
}


# --- Discovery -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Route:
    """A URL pattern as the resolver has it: ``pattern`` ("api/v1/estates/<int:obj_id>"), its URL
    name, and for the API the HTTP methods (one key per method); web routes have one key."""

    pattern: str
    name: str
    methods: tuple[str, ...] | None  # None: a Django view (its methods are the spec's to state)

    @property
    def api(self) -> bool:
        return self.methods is not None

    def endpoint_keys(self) -> list[str]:
        if self.methods is None:
            return [key(None, self.pattern)]
        return [key(m, self.pattern) for m in self.methods]


def key(method: str | None, pattern: str) -> str:
    """How the kit names an endpoint: "DELETE /api/v1/assessments/<int:obj_id>" or "/r/<slug:resource>/"."""
    return f"/{pattern}" if method is None else f"{method} /{pattern}"


def _ninja_methods(callback) -> tuple[str, ...] | None:
    """The methods of a ninja path (its view closes over the ``PathView``), None for other views."""
    for cell in getattr(callback, "__closure__", None) or ():
        view = cell.cell_contents
        if type(view).__name__ == "PathView" and hasattr(view, "operations"):
            return tuple(sorted({m.upper() for op in view.operations for m in op.methods}))
    return None


def _walk(patterns, prefix: str, namespace: str | None):
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = namespace
            if p.namespace:
                ns = f"{namespace}:{p.namespace}" if namespace else p.namespace
            yield from _walk(p.url_patterns, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            name = f"{namespace}:{p.name}" if namespace and p.name else (p.name or "")
            yield prefix + str(p.pattern), name, p.callback


def discover() -> list[Route]:
    """Every route of the site, the API's with their methods."""
    routes: dict[str, Route] = {}
    for pattern, name, callback in _walk(get_resolver().url_patterns, "", None):
        if pattern.startswith("^") or pattern.endswith("$"):  # regex routes (the admin's catch-alls)
            pattern = pattern.lstrip("^").rstrip("$")
        methods = _ninja_methods(callback)
        if pattern in routes and methods is not None and routes[pattern].methods is not None:
            # ninja mounts one Django pattern per path; several routers may share a path
            methods = tuple(sorted(set(routes[pattern].methods) | set(methods)))
        routes[pattern] = Route(pattern, name, methods)
    return list(routes.values())


def endpoints() -> dict[str, Route]:
    """Endpoint key -> its route, for every route."""
    return {k: r for r in discover() for k in r.endpoint_keys()}


# --- Specs -----------------------------------------------------------------------------------

Expect = dict[str, int]


def expect(default: int, **per_role: int) -> Expect:
    """Statuses by role: ``expect(403, admin=200, zhujing=200)``; ``anonymous`` only for PUBLIC routes
    (the kit adds the login redirect / 401 for every other one). Roles not named get ``default``."""
    unknown = set(per_role) - set(EVERYONE)
    assert not unknown, f"unknown roles {unknown}"
    return {role: per_role.get(role, default) for role in ROLES} | (
        {ANON: per_role[ANON]} if ANON in per_role else {})


def only(status: int, roles: Iterable[str], otherwise: int = 403) -> Expect:
    """``status`` for these roles, ``otherwise`` for the rest."""
    roles = set(roles)
    return expect(otherwise, **{r: status for r in roles})


@dataclass
class Case:
    """One request, sent as every role. ``path`` is a string or a callable building it from the
    demo (called inside the test, with database access); ``data`` likewise (a dict sent as JSON to
    the API, as a form to web pages). ``rows(role, user)`` the oracle's ids, ``got(response)`` the
    ids answered; ``snapshot()`` the target's state, compared before and after a refused write."""

    method: str
    route: str  # the pattern as discovered, e.g. "api/v1/estates/<int:obj_id>", "r/<slug:resource>/"
    path: str | Callable[[], str]
    expect: Expect
    data: Any = None
    rows: Callable[[str, Any], set] | None = None
    got: Callable[[Any], set] | None = None
    snapshot: Callable[[], Hashable] | None = None
    label: str = ""
    query: dict | Callable[[], dict] | None = None
    # which roles' writes may change something (a set, or a callable giving one); None: those
    # answered 2xx/3xx. For pages that answer a refused form with a redirect and a message.
    may_change: Any = None
    multipart: bool = False  # send ``data`` as a multipart form (file uploads) to the API too
    prepare: Callable[[], None] | None = None  # run before each role's request (rolled back with it)
    world: Callable[[], dict] | None = None  # set by load_specs: the spec module's ``world()``
    module: str = ""  # set by load_specs: the app whose spec this is

    def __post_init__(self):
        self.method = self.method.upper()
        assert self.method in METHODS, self.method
        self.route = self.route.lstrip("/")

    @property
    def api(self) -> bool:
        return self.route.startswith(API_PREFIXES)

    @property
    def key(self) -> str:
        return key(self.method if self.api else None, self.route)

    @property
    def id(self) -> str:
        return f"{self.method} /{self.route}" + (f" [{self.label}]" if self.label else "")


SPEC_PACKAGE = "tests"


def load_specs() -> dict[str, list[Case]]:
    """``tests/<app>/permissions.py`` -> its ``SPEC`` (module name -> cases)."""
    root = Path(__file__).resolve().parent.parent
    specs: dict[str, list[Case]] = {}
    for info in pkgutil.iter_modules([str(root)]):
        if not info.ispkg or info.name == "kit" or not (root / info.name / "permissions.py").exists():
            continue
        module = importlib.import_module(f"{SPEC_PACKAGE}.{info.name}.permissions")
        specs[module.__name__] = list(module.SPEC)
        for case in specs[module.__name__]:
            case.world = getattr(module, "world", None)
            case.module = info.name
    return specs


def all_cases() -> list[Case]:
    return [case for cases in load_specs().values() for case in cases]


def covered_keys(cases: Iterable[Case]) -> set[str]:
    """Endpoint keys the cases cover (an API-path Django view, e.g. the OpenAPI document, has no method)."""
    return {k for c in cases for k in (c.key, key(None, c.route))}


def uncovered(cases: Iterable[Case], routes: Iterable[Route]) -> list[Route | str]:
    covered = covered_keys(cases)
    missing = []
    for route in routes:
        for k in route.endpoint_keys():
            if k not in covered and k not in TODO:
                missing.append(k)
    return missing


def owner_hint(pattern: str) -> str:
    first = pattern.split("/")[2] if pattern.startswith("api/v1/") else pattern.split("/")[0]
    return f"tests/<app>/permissions.py (the app serving '{first}')"


# --- Running ---------------------------------------------------------------------------------

# The objects a spec module builds for one test (its ``world()``, called inside the test's
# transaction, once before the roles' requests): ``world()["request"]`` in a spec's lambdas.
_WORLD: dict = {}


def world() -> dict:
    return _WORLD


def build_world(case: Case) -> None:
    _WORLD.clear()
    if case.world is not None:
        _WORLD.update(case.world())


def _tables() -> list[str]:
    """Every table but the security log (a refused request is logged there: that is its only
    trace) and the sessions."""
    from django.apps import apps

    from fangguan.core.models import SecurityEvent

    skip = {SecurityEvent._meta.db_table, "django_session"}
    return sorted({m._meta.db_table for m in apps.get_models() if m._meta.managed and not m._meta.proxy} - skip)


def table_counts() -> tuple[int, ...]:
    """The row count of every table, in one query."""
    tables = _tables()
    q = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {q(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return tuple(cursor.fetchone())


def state(obj) -> tuple:
    """A record's stored values (re-read), or None once it is gone."""
    fresh = type(obj)._default_manager.filter(pk=obj.pk).values().first()
    return None if fresh is None else tuple(sorted((k, str(v)) for k, v in fresh.items()))


class Clients:
    """One browser session and one API token per role, made directly (no password round-trip)."""

    def __init__(self, users: dict):
        from django.test import Client

        from fangguan.accounts.models import ApiToken

        self.web: dict[str, Client] = {}
        self.token: dict[str, str] = {}
        self.users = users
        for role in EVERYONE:
            client = Client(HTTP_HOST="127.0.0.1")
            if role != ANON:
                client.force_login(users[role])
                key_ = ApiToken.new_key()
                ApiToken.objects.create(user=users[role], key_hash=ApiToken.hash(key_), prefix=key_[:8],
                                        expires_at=timezone.now() + timedelta(hours=1))
                self.token[role] = key_
            self.web[role] = client

    def send(self, role: str, case: Case, path: str, data, query):
        import json

        client = self.web[role]
        if case.api:
            # The API as outside tools use it: a bearer token, no session cookie.
            from django.test import Client

            client = Client(HTTP_HOST="127.0.0.1")
            headers = {"HTTP_AUTHORIZATION": f"Bearer {self.token[role]}"} if role != ANON else {}
            if case.method == "GET":
                return client.get(path, query or {}, **headers)
            if case.multipart:
                return client.post(path + _qs(query), data or {}, **headers)
            body = json.dumps(data if data is not None else {})
            return client.generic(case.method, path + _qs(query), body, content_type="application/json", **headers)
        if case.method == "GET":
            return client.get(path, query or {})
        if case.method == "POST":
            return client.post(path + _qs(query), data or {})
        return client.generic(case.method, path + _qs(query), "")


def _qs(query) -> str:
    from urllib.parse import urlencode

    return ("?" + urlencode(query, doseq=True)) if query else ""


def login_redirect(response) -> bool:
    if response.status_code != 302:
        return False
    target = response.headers.get("Location", "")
    return target.split("?")[0] in {reverse(settings.LOGIN_URL), reverse("admin:login")} and "next=" in target


def _value(x):
    return x() if callable(x) else x


def expected_for(case: Case, route_name: str) -> Expect:
    exp = dict(_value(case.expect) or {})
    if not exp:  # a draft, run with PERMKIT_RECORD=1
        return exp
    if route_name not in PUBLIC:
        assert ANON not in exp, f"{case.id}: anonymous is the kit's to check (login page / 401) on a non-public route"
        exp[ANON] = 401 if case.api else 302
    else:
        assert ANON in exp, f"{case.id}: a public route's spec states what anonymous gets"
    return exp


def run(case: Case, clients: Clients, route_name: str) -> list[str]:
    """Send the case as every role; the list of what went wrong (empty: all as expected)."""
    failures: list[str] = []
    build_world(case)
    exp = expected_for(case, route_name)
    observed: dict[str, int] = {}
    for role in EVERYONE:
        want = exp.get(role, 0)
        with transaction.atomic():
            if case.prepare is not None:
                case.prepare()
            path, data, query = _value(case.path), _value(case.data), _value(case.query)
            write = case.method != "GET"
            if case.may_change is not None:
                changers = _value(case.may_change)
                refused = write and role not in changers
            else:
                refused = write and (want >= 400 or (role == ANON and route_name not in PUBLIC))
            if refused:
                before = (table_counts(), case.snapshot() if case.snapshot else None)
            response = clients.send(role, case, path, data, query)
            got = observed[role] = response.status_code
            if role == ANON and route_name not in PUBLIC and not case.api:
                if not login_redirect(response):
                    failures.append(f"{role}: {got} {response.headers.get('Location', '')} — expected the login page")
            elif want and got != want:
                detail = response.content[:160].decode("utf-8", "replace") if got >= 400 else response.headers.get("Location", "")
                failures.append(f"{role}: {got}, expected {want} {detail}")
            elif case.rows is not None and 200 <= got < 300:
                ids = case.got(response)
                oracle = case.rows(role, clients.users.get(role))
                if isinstance(ids, Page):
                    if ids.count is not None:
                        answered, wanted = ids.count, len(oracle)
                    else:
                        answered, wanted = len(ids.ids), min(len(oracle), ids.size)
                    if answered != wanted or not ids.ids <= oracle:
                        failures.append(f"{role}: rows: {answered} answered, expected {wanted}; "
                                        f"outside the oracle {sorted(ids.ids - oracle)[:8]}")
                elif ids != oracle:
                    failures.append(f"{role}: rows {_diff(ids, oracle)}")
            if refused:
                after = (table_counts(), case.snapshot() if case.snapshot else None)
                if after != before:
                    failures.append(f"{role}: refused ({got}) but something changed")
            transaction.set_rollback(True)
    if os.environ.get("PERMKIT_RECORD"):
        print(f"\nRECORD {case.id}: {_compact(observed)}")
    return failures


def _compact(observed: dict[str, int]) -> str:
    """A draft ``expect(...)`` from what was answered (for writing a spec, never for passing it)."""
    from collections import Counter

    default = Counter(v for r, v in observed.items() if r != ANON).most_common(1)[0][0]
    rest = ", ".join(f"{r}={v}" for r, v in observed.items() if v != default and r != ANON)
    return f"expect({default}{', ' + rest if rest else ''})  # anonymous {observed.get(ANON)}"


def _diff(got: set, want: set) -> str:
    extra, missing = sorted(got - want), sorted(want - got)
    return f"{len(got)} answered, {len(want)} expected; extra {extra[:8]}, missing {missing[:8]}"


# --- Helpers for specs -------------------------------------------------------------------------


@dataclass(frozen=True)
class Page:
    """A page of a long list: its ``ids`` inside the oracle's, and its total ``count`` the oracle's
    — or, where the answer states no count (a web page), as many rows as a page of ``size`` holds."""

    count: int | None
    ids: frozenset
    size: int = 0


def page_of(read: Callable[[Any], set], size: int) -> Callable[[Any], Page]:
    """For a web list: the ids read from its first page of ``size`` rows."""
    return lambda response: Page(None, frozenset(read(response)), size)


def api_page(response) -> Page:
    body = response.json()
    return Page(body["count"], frozenset(item["id"] for item in body["items"]))


def api_ids(response) -> set:
    body = response.json()
    items = body["items"] if isinstance(body, dict) and "items" in body else body
    return {item["id"] for item in items}


def csv_ids(response) -> set:
    import csv
    import io

    text = b"".join(response.streaming_content).decode("utf-8") if response.streaming else response.content.decode()
    from fangguan.core.exports import SYSTEM_ID

    from .files import csv_text

    return {int(row[SYSTEM_ID]) for row in csv.DictReader(io.StringIO(csv_text(text)))}


def link_ids(pattern: str) -> Callable[[Any], set]:
    """Ids read from a page's links, e.g. ``link_ids(r'/r/estates/(\\d+)/')``."""
    regex = re.compile(pattern)

    def read(response) -> set:
        return {int(x) for x in regex.findall(response.content.decode())}

    return read


def demo_users() -> dict:
    """The demo accounts by username (inside a test)."""
    from fangguan.accounts.models import User

    return {u.username: u for u in User.objects.filter(username__in=ROLES)}


def counts() -> dict[str, int]:
    """What ``python -m tests.kit.permissions`` prints."""
    routes = discover()
    cases = all_cases()
    keys = {k for r in routes for k in r.endpoint_keys()}
    covered = covered_keys(cases) & keys
    return {
        "url_patterns": len(routes),
        "endpoints": len(keys),
        "endpoints_covered": len(covered),
        "todo": len(set(TODO) & keys),
        "cases": len(cases),
        "role_requests": len(cases) * len(EVERYONE),
        "roles": len(EVERYONE),
    }


if __name__ == "__main__":
    import sys

    import django

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "fangguan.settings")
    os.environ.setdefault("FANGGUAN_ENV", "test")
    django.setup()
    for name, value in counts().items():
        print(f"{name}: {value}")
