"""The category catalogue's starting point (沪房规范〔2023〕3号: urgent reached within 2 hours,
30 minutes with an on-site office; ordinary fixed within 3 days). The bureau edits it as data."""

# code, name, urgent by default
CATEGORIES = [
    ("water-leak", "漏水、爆管", True),
    ("power-out", "停电、电路故障", True),
    ("lift-trapped", "电梯困人", True),
    ("fire-safety", "消防设施故障", True),
    ("drain-blocked", "下水道堵塞、污水外溢", True),
    ("water-supply", "二次供水、水压", False),
    ("lift-fault", "电梯故障（无人被困）", False),
    ("roof-leak", "屋面、外墙渗漏", False),
    ("door-access", "门禁、单元门", False),
    ("lighting", "公共照明", False),
    ("facade", "外墙、窗户、栏杆", False),
    ("roads-parking", "道路、停车设施", False),
    ("greening", "绿化", False),
    ("sanitation", "环境卫生", False),
    ("other", "其他", False),
]


def seed_categories(model) -> int:
    have = set(model.objects.values_list("code", flat=True))
    rows = [model(code=code, name=name, urgent=urgent, sort_order=i * 10)
            for i, (code, name, urgent) in enumerate(CATEGORIES) if code not in have]
    model.objects.bulk_create(rows)
    return len(rows)
