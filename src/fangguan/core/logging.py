"""Keeping personal data out of logs and error reports (PIPL Art. 51; 等保: audit records must not
leak what they protect).

``MaskPersonalData`` masks anything that looks like a resident ID number or a mainland mobile
number in every log record, as a last line of defence (the code itself never logs them).
``PersonalDataReporterFilter`` hides every POST parameter and request body, and local variables
with personal-looking names, from exception reports.
"""

from __future__ import annotations

import logging
import re

from django.views.debug import SafeExceptionReporterFilter

from .identity import mask_id_number, mask_phone

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])\d{17}[\dXx](?![0-9A-Za-z])")
MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


# Secrets a client may put in a query string (Open311's api_key is a bearer token): never logged.
QUERY_SECRET = re.compile(r"(?i)((?:^|[?&\s])(?:api_key|apikey|access_token|token|key|secret|password|otp|signature)=)[^&\s\"']*")


def redact_query(text: str) -> str:
    """``…?api_key=abc&x=1`` → ``…?api_key=***&x=1``."""
    return QUERY_SECRET.sub(lambda m: m.group(1) + "***", text)


def mask_text(text: str) -> str:
    text = redact_query(text)
    text = ID_NUMBER.sub(lambda m: mask_id_number(m.group().upper()), text)
    return MOBILE.sub(lambda m: mask_phone(m.group()), text)


try:  # gunicorn serves the platform (scripts/run.sh); its access log is not a Python logging record
    from gunicorn.glogging import Logger as _GunicornLogger
except ImportError:  # pragma: no cover
    _GunicornLogger = object


class GunicornLogger(_GunicornLogger):
    """gunicorn's logger with query-string secrets and personal data masked in the access log."""

    def atoms(self, resp, req, environ, request_time):
        atoms = super().atoms(resp, req, environ, request_time)
        for key in ("r", "q", "U"):
            if isinstance(atoms.get(key), str):
                atoms[key] = mask_text(atoms[key])
        return atoms


class MaskPersonalData(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string is the logger's problem, not ours
            return True
        masked = mask_text(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class PersonalDataReporterFilter(SafeExceptionReporterFilter):
    hidden_settings = re.compile(
        "API|TOKEN|KEY|SECRET|PASS|SIGNATURE|HTTP_COOKIE|DATA_KEYS|DATABASE_URL|REDIS_URL", flags=re.I
    )
    personal_names = re.compile(r"id_number|phone|password|value|clear|payload|data|body", flags=re.I)

    def get_post_parameters(self, request):
        if request is None:
            return {}
        return {key: self.cleansed_substitute for key in request.POST}

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, self.cleansed_substitute if self.personal_names.search(name) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]
