def nav_section(user):
    return None
