"""Template context shared by every page: the user's menu and roles for the top bar."""

from fangguan.accounts.roles import is_it_admin, reads_security_log


def navigation(request):
    from fangguan.core.demomark import holds_generated_demo

    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"demo_data": holds_generated_demo()}
    from fangguan.web.audit import menu_items
    from fangguan.web.navigation import app_sections, is_resident, menu_for, role_labels

    return {"nav_menu": menu_for(user), "nav_sections": app_sections(user), "nav_roles": role_labels(user),
            "nav_is_it_admin": is_it_admin(user), "nav_audit": menu_items(user), "nav_resident": is_resident(user),
            "nav_reads_security_log": reads_security_log(user), "demo_data": holds_generated_demo()}
