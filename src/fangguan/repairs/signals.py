"""``repair_event`` is sent inside the transaction right after every RepairEvent row is written
(creation, each action, the clock's escalations and auto-closes), with
``sender=RepairRequest, request=<RepairRequest>, event=<RepairEvent>``. Notifications and the
outbox connect here, so they commit or roll back with the event itself."""

import django.dispatch

repair_event = django.dispatch.Signal()
