"""The 十四五 plan's annex as data: 《金山区住房保障和房屋管理“十四五”规划》, 附件 “金山区“十四五”
住房建设发展主要指标” and 主要指标说明 (definitions quoted from the plan). Every line is an indicator,
sub-lines included; the annex's row 1 holds three (land; commercial housing area and homes), so
those are 1, 1A and 1B. Loaded by ``services.plan_load_fourteenth`` (``manage.py load_plans``,
and the demo). The plan names no responsible office per indicator: the bureau (区房管局), which
owns the plan, is entered until it assigns them.
"""

from decimal import Decimal as D

FOURTEENTH = {
    "code": "14th", "name": "金山区住房保障和房屋管理“十四五”规划", "start_year": 2021, "end_year": 2025,
}
OFFICE = "区房管局"

DEF_LAND = "完成土地挂牌的规划用地性质为住宅组团用地的土地面积，混合用地按照规划比例分摊计算。"
DEF_SUPPLY = "经审核通过并发放《上海市商品房预售许可证》或《上海市商品房销售方案备案证明》，用于销售的商品住房面积和套数。"
DEF_STARTS = "完成《建筑工程施工许可证》办理准予施工的住宅建筑面积。"
DEF_DELIVERIES = "经审核通过并发放《上海市新建住宅交付使用许可证》的住宅建筑面积。"
DEF_AFFORDABLE = "按照规定通过商品住房建设项目配建，在建成并移交后达到可供应状态的保障性住房套数。"
DEF_RENOVATION = ("符合改造要求并实施改造的旧式里弄及新式里弄类的直管公房和系统公房、售后公房、2005年前建造的部分住宅小区"
                  "住宅建筑面积。")
DEF_MEILI = "根据市级统一标准和程序，经申报评选最终确定的在美丽家园建设中具有示范引领作用的小区个数。"
DEF_CHARGING = "安装非机动车集中充电设施的既有住宅小区占全区符合条件安装非机动车集中充电设施既有住宅小区总数的比例。"

# (code, parent, name, unit, target, attribute, measure, definition, notes)
INDICATORS = [
    ("1", None, "新增供应住宅用地面积", "公顷", D("170"), "预期性", "land.residential_ha", DEF_LAND,
     "正文（三（三）2（1））写“预计新增供应住宅用地160公顷”，附件写170公顷；以附件为准，差异保留备查。"),
    ("1A", None, "新增供应商品住房面积", "万㎡", D("350"), "预期性", "supply.commercial_area", DEF_SUPPLY,
     "附件同一行“350/3.5”拆为面积与套数两个指标。"),
    ("1B", None, "新增供应商品住房套数", "万套", D("3.5"), "预期性", "supply.commercial_homes", DEF_SUPPLY,
     "附件同一行“350/3.5”拆为面积与套数两个指标；正文为35000套。"),
    ("2", None, "住宅新开工面积", "万㎡", D("270"), "预期性", "starts.area", DEF_STARTS, ""),
    ("2.1", "2", "商品住房新开工面积", "万㎡", D("210"), "预期性", "starts.area.commercial", DEF_STARTS, ""),
    ("2.2", "2", "征收安置住房新开工面积", "万㎡", D("60"), "预期性", "starts.area.resettlement", DEF_STARTS, ""),
    ("3", None, "住宅交付使用面积", "万㎡", D("287"), "约束性", "deliveries.area", DEF_DELIVERIES, ""),
    ("3.1", "3", "商品住房交付使用面积", "万㎡", D("170"), "约束性", "deliveries.area.commercial", DEF_DELIVERIES, ""),
    ("3.2", "3", "征收安置住房交付使用面积", "万㎡", D("110"), "约束性", "deliveries.area.resettlement", DEF_DELIVERIES, ""),
    ("3.3", "3", "社会租赁房交付使用面积", "万㎡", D("7"), "约束性", "deliveries.area.social_rental", DEF_DELIVERIES, ""),
    ("4", None, "新增供应配建保障性住房", "套", D("1300"), "预期性", "affordable.homes", DEF_AFFORDABLE, ""),
    ("5", None, "各类旧住房修缮改造面积", "万㎡", D("450"), "预期性", "renovation.area", DEF_RENOVATION, ""),
    ("5.1", "5", "公有住房修缮改造面积", "万㎡", D("160"), "约束性", "renovation.public_area", DEF_RENOVATION,
     "约束性子指标列于预期性指标之下。"),
    ("6", None, "美丽家园建设示范小区", "个", D("2"), "预期性", "meili.model_estates", DEF_MEILI, ""),
    ("7", None, "既有住宅小区非机动车集中充电场所覆盖率", "%", D("100"), "预期性", "charging.coverage", DEF_CHARGING,
     "不符合安装条件的小区（小区档案“需设充电场所”为否）不计入分母。"),
]
