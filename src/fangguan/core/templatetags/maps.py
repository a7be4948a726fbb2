"""``{% map_component config %}``: the map component's template half (see ``core/maps.py``)."""

from django import template
from django.template.loader import render_to_string

register = template.Library()


@register.simple_tag(takes_context=True)
def map_component(context, config):
    """The map's container, colour control, legend and configuration (JSON, never executed) for
    ``web/map.js``. The page also includes ``core/_map_assets.html`` (Leaflet, gcoord,
    ``web/map.js`` and ``web/map.css``)."""
    return render_to_string("core/_map.html", {
        "map": config.as_json(), "map_id": config.id, "config_id": f"{config.id}-config",
    }, request=context.get("request"))
