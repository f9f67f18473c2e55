"""The delivery agreement of feeds.md as data: every feed, its kind, natural key, and each
column's delivered Chinese header, English warehouse name and value type."""

from __future__ import annotations

import os
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum


class ValueKind(StrEnum):
    """What a column holds; each kind has one normaliser in ingestion.normalise."""

    TEXT = "text"
    CODE = "code"
    NAME = "name"
    ID = "id"
    DATE = "date"
    AMOUNT = "amount"
    INT = "int"
    COUNTY = "county"
    PHONE = "phone"
    DISABILITY_CARD = "disability_card"


TEXT, CODE, NAME, ID, DATE = ValueKind.TEXT, ValueKind.CODE, ValueKind.NAME, ValueKind.ID, ValueKind.DATE
AMOUNT, INT, COUNTY, PHONE = ValueKind.AMOUNT, ValueKind.INT, ValueKind.COUNTY, ValueKind.PHONE
DISABILITY_CARD = ValueKind.DISABILITY_CARD

# Departments write the ID column under any of these headers.
ID_HEADER_STEMS = ("身份证号码", "身份证号", "公民身份号码", "证件号码", "身份证件号", "身份证件号码")


def normalise_header(header: str) -> str:
    """Headers compare without spaces and with full-width brackets folded: `乡镇（街道）`,
    `乡镇 (街道)` and `乡镇(街道)` are one header."""
    return "".join(unicodedata.normalize("NFKC", str(header or "")).split())


@dataclass(frozen=True)
class CodeList:
    """A coded column's values in the civil affairs glossary (feeds.md, the lists in brackets),
    and how other departments' systems spell the same values (feeds.md, "Coded values")."""

    values: tuple[str, ...]
    variants: tuple[tuple[str, str], ...] = ()  # (department's spelling, glossary value)

    def to_glossary(self, value: str) -> str | None:
        """The glossary value a delivered (normalised) code stands for; None when unknown."""
        if value in self.values:
            return value
        return dict(self.variants).get(value)

    def spelling_of(self, value: str) -> str:
        """How this department's system writes a glossary value (for the generator)."""
        return next((delivered for delivered, meant in self.variants if meant == value), value)


@dataclass(frozen=True)
class Column:
    name: str
    header: str
    type: ValueKind = ValueKind.TEXT
    required: bool = False
    codes: CodeList | None = None

    def header_variants(self) -> set[str]:
        variants = {self.header}
        if self.type in (ID,):
            for stem in ID_HEADER_STEMS:
                if self.header.endswith(stem):
                    prefix = self.header[: -len(stem)]
                    variants |= {prefix + s for s in ID_HEADER_STEMS}
        return {normalise_header(v) for v in variants}


class Place(StrEnum):
    """How much of a person's place a record gives: county, township and village, or the county."""

    FULL = "full"
    COUNTY = "county"


class AgeHint(StrEnum):
    """What in a record implies its person's age when it has no birth date (seed linkage_age_hints)."""

    SCHOOL = "school"  # a pupil's 学段 and 年级
    INSURANCE = "insurance"  # a pension, contributions or an insurance line


@dataclass(frozen=True)
class PersonRole:
    """Where a row names a person to link: the columns holding that person's identity, and
    what else of it the linkage may compare (lnk_person_records is generated from these)."""

    role: str
    name: str
    id_number: str
    sex: str | None = None
    phone: str | None = None
    birth_date: str | None = None  # a column stating the birth date itself (compared when the ID is damaged)
    id_often_blank: bool = False  # feeds.md: "身份证号 (often blank)" for visits and reports
    place: Place | None = None
    household: str | None = None  # SQL naming the roster household of the row
    age_hint: AgeHint | None = None
    register_part: str | None = None  # the column whose value a register holds a person once per


@dataclass(frozen=True)
class Delivery:
    """How the department delivers the feed (feeds.md: the format column), as the generator
    writes it and the reader expects it."""

    format: str  # "csv" or "xlsx"
    encoding: str = "utf-8"  # CSV only: utf-8, utf-8-sig or gb18030
    title_rows: int = 0  # XLSX: title rows above the header
    total_row: bool = False  # XLSX: a last 合计 row
    per_county: bool = False  # one file per county, <feed>__<county>.<ext>
    department_codes: bool = False  # coded values in the department's own list (之子, 1/2, Y/N …)


# A feed older than this many months holds back the rules that rely on it (issue 5; configurable
# per feed: `max_age_months`).
DEFAULT_MAX_AGE_MONTHS = 2


@dataclass(frozen=True)
class ValueBounds:
    """The largest amount and whole number a delivered cell may hold: what the staging models
    cast them to (dbt_project/models/staging). A value beyond them — `1e308`, an ID number
    shifted into 月保障金额 — quarantines its row (`amount_out_of_range`) instead of failing the
    city's dbt step.

    - `max_amount`: 999,999,999,999.99, the largest DECIMAL(14,2) (source: the staging casts
      `cast(… as decimal(14, 2))`; the value rounded to 2 decimals, as the cast does).
    - `max_integer`: 2,147,483,647, DuckDB's INTEGER (source: the staging casts `cast(… as
      integer)` of 保障人数, 家庭人口数, 房产套数 …).
    """

    max_amount: Decimal = Decimal("999999999999.99")
    max_integer: int = 2_147_483_647


VALUE_BOUNDS = ValueBounds()


@dataclass(frozen=True)
class RosterCompleteness:
    """How far a county's rows in a roster (a snapshot feed) may fall short of its last accepted
    delivery before the delivery is taken for a half-written file (a stalled writer, an export
    cut off) and turned away whole, instead of its missing people showing as exits.

    - `tolerance` (LINFEN_ROSTER_TOLERANCE): 0.2, a county may have up to 20 % fewer rows than
      last month (*placeholder*: a county's 低保 roster moves by a few per cent a month; the
      bureau's figure for the largest real monthly drop is to replace it).
    - `min_previous_rows` (LINFEN_ROSTER_MIN_ROWS): 30; a county with fewer rows last month is
      not compared (*placeholder*: below that a handful of exits is a large share).
    A feed without a county column is compared on its total rows.
    """

    tolerance: float = 0.2
    min_previous_rows: int = 30

    @classmethod
    def from_environment(cls) -> RosterCompleteness:
        default = cls()
        return cls(
            tolerance=float(os.environ.get("LINFEN_ROSTER_TOLERANCE", default.tolerance)),
            min_previous_rows=int(os.environ.get("LINFEN_ROSTER_MIN_ROWS", default.min_previous_rows)),
        )


@dataclass(frozen=True)
class Feed:
    code: str
    title: str
    department: str
    kind: str  # "snapshot" or "event"
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...] = ()
    roles: tuple[PersonRole, ...] = field(default_factory=tuple)
    delivery: Delivery = Delivery("csv")
    max_age_months: int = DEFAULT_MAX_AGE_MONTHS

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def warehouse_columns(self) -> list[str]:
        """Columns of the raw table, after the load metadata: an ID column also keeps its
        status and the cleaned delivered text."""
        out: list[str] = []
        for c in self.columns:
            out.append(c.name)
            if c.type == ID:
                out += [f"{c.name}_status", f"{c.name}_raw"]
            if c.type == DISABILITY_CARD:
                out += ["id_number", "id_number_status", "id_number_raw"]
        return out


def C(name: str, header: str, type_: ValueKind = ValueKind.TEXT, required: bool = False) -> Column:  # noqa: N802
    return Column(name, header, type_, required)


def K(name: str, header: str, codes: CodeList | tuple[str, ...], required: bool = False) -> Column:  # noqa: N802
    """A coded column with its domain."""
    return Column(name, header, CODE, required, codes if isinstance(codes, CodeList) else CodeList(codes))


# Code lists shared by several feeds, with the spellings other systems export (feeds.md).
YES_NO = CodeList(("是", "否"), (("Y", "是"), ("N", "否"), ("1", "是"), ("0", "否"), ("y", "是"), ("n", "否")))
SEX = CodeList(("男", "女"), (("1", "男"), ("2", "女"), ("男性", "男"), ("女性", "女")))
AREA = CodeList(("城市", "农村"), (("城镇", "城市"),))
RELATIONS = CodeList(("本人", "配偶", "子", "女", "父亲", "母亲", "孙子女", "兄弟姐妹", "其他"), (("户主", "本人"),))
# The rural monitoring system (防返贫监测信息系统) writes relations in its own list.
RURAL_RELATIONS = CodeList(
    RELATIONS.values,
    (
        ("户主", "本人"),
        ("之子", "子"),
        ("之女", "女"),
        ("之父", "父亲"),
        ("之母", "母亲"),
        ("之孙子", "孙子女"),
        ("之孙女", "孙子女"),
        ("之外孙子女", "孙子女"),
        ("之兄弟姐妹", "兄弟姐妹"),
        ("之儿媳", "其他"),
        ("之女婿", "其他"),
        ("之岳父", "其他"),
        ("之岳母", "其他"),
        ("之公公", "其他"),
        ("之婆婆", "其他"),
        ("之祖父", "其他"),
        ("之祖母", "其他"),
    ),
)
DISABILITY_LEVELS = CodeList(
    ("一级", "二级", "三级", "四级"),
    (
        ("1级", "一级"),
        ("2级", "二级"),
        ("3级", "三级"),
        ("4级", "四级"),
        ("1", "一级"),
        ("2", "二级"),
        ("3", "三级"),
        ("4", "四级"),
    ),
)
SAFETY_GRADES = CodeList(("A级", "B级", "C级", "D级"), (("A", "A级"), ("B", "B级"), ("C", "C级"), ("D", "D级")))


_PLACE = (C("county", "区县", COUNTY, True), C("township", "乡镇（街道）"), C("village", "村（社区）"))
# Registers that hold a person at most once per delivery (feeds.md grains "a household member",
# "a person's enrolment", "a card holder" …): linkage uses it as evidence, since a record whose ID
# is unusable cannot belong to a person whose valid ID the same register already holds.
ONE_ROW_PER_PERSON = frozenset(
    {
        ("civil_dibao", "member"),
        ("civil_tekun", "person"),
        ("civil_marginal", "member"),
        ("edu_students", "person"),
        ("hrss_insurance", "person"),  # once per 险种: lnk_person_records.register_part
        ("housing_property", "person"),
        ("medins_enrollment", "person"),
        ("rural_monitoring", "member"),
        ("disability_cards", "person"),
    }
)


# A member of a civil affairs roster household (低保, 低保边缘): the household is the county's 户编号.
_CIVIL_ROSTER_MEMBER = PersonRole(
    "member",
    "member_name",
    "member_id_number",
    place=Place.FULL,
    household="'civil:' || county_code || ':' || household_number",
)

FEEDS: tuple[Feed, ...] = (
    Feed(
        "civil_dibao",
        "低保对象花名册",
        "民政局",
        "snapshot",
        (
            *_PLACE,
            C("household_number", "户编号", TEXT, True),
            C("head_name", "户主姓名", NAME),
            C("head_id_number", "户主身份证号", ID),
            C("member_name", "成员姓名", NAME, True),
            C("member_id_number", "成员身份证号", ID),
            K("relation_to_head", "与户主关系", RELATIONS),
            K("area_type", "城乡类别", AREA),
            C("covered_members", "保障人数", INT),
            C("household_monthly_benefit", "月保障金额", AMOUNT),
            C("income_per_person_monthly", "家庭月人均收入", AMOUNT),
            K("health_status", "健康状况", ("健康", "慢性病", "重病", "残疾")),
            K("work_ability", "劳动能力", ("有劳动能力", "弱劳动能力", "无劳动能力")),
            K("is_individual_dibao", "是否单人保", YES_NO),
            C("enrolment_date", "纳入日期", DATE),
            K("roster_status", "状态", ("在保", "停保"), True),
        ),
        roles=(_CIVIL_ROSTER_MEMBER,),
        delivery=Delivery("csv", "gb18030", per_county=True),
    ),
    Feed(
        "civil_tekun",
        "特困人员供养名册",
        "民政局",
        "snapshot",
        (
            *_PLACE,
            C("person_name", "姓名", NAME, True),
            C("id_number", "身份证号码", ID),
            K("sex", "性别", SEX),
            K("area_type", "城乡类别", AREA),
            K("support_mode", "供养方式", ("集中供养", "分散供养")),
            K("self_care_ability", "生活自理能力", ("具备", "部分丧失", "完全丧失")),
            C("monthly_basic_living", "月基本生活费", AMOUNT),
            C("monthly_care", "月照料护理费", AMOUNT),
            C("enrolment_date", "纳入日期", DATE),
            K("roster_status", "状态", ("在供", "停供"), True),
        ),
        roles=(PersonRole("person", "person_name", "id_number", sex="sex", place=Place.FULL),),
        delivery=Delivery("csv", "utf-8"),
    ),
    Feed(
        "civil_marginal",
        "低保边缘家庭及支出型困难家庭认定名册",
        "民政局",
        "snapshot",
        (
            *_PLACE,
            C("household_number", "户编号", TEXT, True),
            C("head_name", "户主姓名", NAME),
            C("head_id_number", "户主身份证号", ID),
            C("member_name", "成员姓名", NAME, True),
            C("member_id_number", "成员身份证号", ID),
            K("relation_to_head", "与户主关系", RELATIONS),
            K("recognition_type", "认定类别", ("低保边缘家庭", "支出型困难家庭"), True),
            C("recognition_date", "认定日期", DATE),
            C("income_per_person_monthly", "家庭月人均收入", AMOUNT),
            K("roster_status", "状态", ("有效", "失效"), True),
        ),
        roles=(_CIVIL_ROSTER_MEMBER,),
        delivery=Delivery("xlsx", title_rows=2, total_row=True),
    ),
    Feed(
        "civil_temp_assistance",
        "临时救助记录",
        "民政局",
        "event",
        (
            C("grant_number", "救助编号", TEXT, True),
            C("county", "区县", COUNTY, True),
            C("person_name", "姓名", NAME, True),
            C("id_number", "身份证号", ID),
            K("assistance_type", "救助类型", ("急难型", "支出型")),
            C("reason", "救助事由"),
            C("amount", "救助金额", AMOUNT),
            C("approval_date", "审批日期", DATE, True),
        ),
        natural_key=("grant_number",),
        roles=(PersonRole("person", "person_name", "id_number", place=Place.COUNTY),),
        delivery=Delivery("csv", "utf-8-sig"),
    ),
    Feed(
        "civil_verification",
        "家庭经济状况核对结果",
        "民政局",
        "event",
        (
            C("verification_number", "核对编号", TEXT, True),
            C("county", "区县", COUNTY, True),
            C("head_name", "户主姓名", NAME, True),
            C("head_id_number", "户主身份证号", ID),
            C("household_size", "家庭人口数", INT),
            C("household_income_annual", "家庭年总收入", AMOUNT),
            C("financial_assets", "金融资产总额", AMOUNT),
            C("property_count", "房产套数", INT),
            C("vehicle_count", "机动车辆数", INT),
            C("business_count", "经营实体数", INT),
            C("completed_date", "核对完成日期", DATE, True),
        ),
        natural_key=("verification_number",),
        roles=(PersonRole("head", "head_name", "head_id_number", place=Place.COUNTY),),
        delivery=Delivery("csv", "utf-8"),
    ),
    Feed(
        "civil_exits",
        "退出人员名单",
        "民政局",
        "event",
        (
            C("county", "区县", COUNTY, True),
            C("person_name", "姓名", NAME, True),
            C("id_number", "身份证号", ID),
            K("former_programme", "原救助类别", ("低保", "特困"), True),
            C("exit_date", "退出日期", DATE, True),
            K("exit_reason", "退出原因", ("收入超标", "死亡", "迁出", "主动申请退出", "其他")),
            C("income_per_person_at_exit", "退出时家庭月人均收入", AMOUNT),
        ),
        natural_key=("id_number", "exit_date"),
        roles=(PersonRole("person", "person_name", "id_number", place=Place.COUNTY),),
        delivery=Delivery("csv", "utf-8"),
    ),
    Feed(
        "civil_visits",
        "入户走访记录",
        "民政局",
        "event",
        (
            C("visit_number", "走访编号", TEXT, True),
            C("visit_date", "走访日期", DATE, True),
            *_PLACE,
            C("person_name", "被访人姓名", NAME, True),
            C("id_number", "身份证号", ID),
            C("phone", "联系电话", PHONE),
            C("household_size", "家庭人口数", INT),
            C("hardship_types", "困难类型"),
            C("description", "情况描述"),
            K("assisted_application", "是否协助申报", YES_NO),
            C("visitor", "走访人", NAME),
        ),
        natural_key=("visit_number",),
        roles=(PersonRole("person", "person_name", "id_number", phone="phone", id_often_blank=True, place=Place.FULL),),
        delivery=Delivery("xlsx", title_rows=1),
    ),
    Feed(
        "civil_applications",
        "自主申报登记",
        "民政局",
        "event",
        (
            C("application_number", "申报编号", TEXT, True),
            C("application_date", "申报日期", DATE, True),
            K(
                "channel",
                "受理渠道",
                ("乡镇社会救助窗口", "政务服务一门受理窗口", "村（社区）代为申报", "社会救助工作站代为申报"),
            ),
            C("person_name", "申报人姓名", NAME, True),
            C("id_number", "身份证号", ID),
            C("phone", "联系电话", PHONE),
            *_PLACE,
            K("requested_programme", "申报救助类别", ("低保", "特困", "临时救助", "低保边缘", "支出型困难")),
            C("household_size", "家庭人口数", INT),
            C("self_reported_income_monthly", "自报家庭月收入", AMOUNT),
            C("hardship_description", "困难情况"),
            K("processing_status", "办理状态", ("已受理", "核对中", "审核中", "已认定", "不予认定"), True),
            C("decision_date", "办结日期", DATE),
        ),
        natural_key=("application_number",),
        roles=(PersonRole("person", "person_name", "id_number", phone="phone", place=Place.FULL),),
        delivery=Delivery("csv", "utf-8"),
    ),
    Feed(
        "civil_reports",
        "基层上报登记",
        "民政局",
        "event",
        (
            C("report_number", "上报编号", TEXT, True),
            C("report_date", "上报日期", DATE, True),
            *_PLACE,
            C("reporter", "上报人", NAME),
            C("person_name", "姓名", NAME, True),
            C("id_number", "身份证号", ID),
            C("phone", "联系电话", PHONE),
            C("address", "居住地址"),
            C("hardship_description", "困难情况"),
        ),
        natural_key=("report_number",),
        roles=(PersonRole("person", "person_name", "id_number", phone="phone", id_often_blank=True, place=Place.FULL),),
        delivery=Delivery("csv", "utf-8-sig"),
    ),
    Feed(
        "civil_cadre_relatives",
        "村（社区）干部及近亲属备案表",
        "民政局",
        "snapshot",
        (
            *_PLACE,
            C("cadre_name", "干部姓名", NAME, True),
            C("cadre_id_number", "干部身份证号", ID),
            C("cadre_position", "职务"),
            C("relative_name", "近亲属姓名", NAME, True),
            C("relative_id_number", "近亲属身份证号", ID),
            C("relationship", "关系", CODE),
        ),
        roles=(
            PersonRole("cadre", "cadre_name", "cadre_id_number", place=Place.FULL),
            PersonRole("relative", "relative_name", "relative_id_number", place=Place.FULL),
        ),
        delivery=Delivery("xlsx", title_rows=1),
    ),
    Feed(
        "edu_students",
        "在校学生及资助名单",
        "教育局",
        "snapshot",
        (
            C("person_name", "学生姓名", NAME, True),
            C("id_number", "身份证件号", ID),
            K("sex", "性别", SEX),
            C("school_name", "学校名称"),
            K("school_stage", "学段", ("学前", "小学", "初中", "高中", "中职", "高校")),
            C("grade", "年级"),
            C("county", "户籍区县", COUNTY),
            K("hardship_recognition", "家庭经济困难认定", ("特别困难", "比较困难", "一般困难", "不困难", "未认定")),
            K(
                "aid_programme",
                "资助项目",
                (
                    "免保教费",
                    "营养改善计划",
                    "家庭经济困难寄宿生生活补助",
                    "普通高中国家助学金",
                    "中职国家助学金",
                    "免学费",
                    "高校国家助学金",
                    "生源地助学贷款",
                ),
            ),
            C("aid_amount", "资助金额", AMOUNT),
            C("school_year", "学年", CODE),
        ),
        roles=(
            PersonRole("person", "person_name", "id_number", sex="sex", place=Place.COUNTY, age_hint=AgeHint.SCHOOL),
        ),
        delivery=Delivery("xlsx", title_rows=1),
    ),
    Feed(
        "hrss_insurance",
        "社会保险参保及就业登记",
        "人社局",
        "snapshot",
        (
            C("person_name", "姓名", NAME, True),
            C("id_number", "公民身份号码", ID),
            K(
                "insurance_type",
                "险种",
                ("企业职工基本养老保险", "机关事业单位基本养老保险", "城乡居民基本养老保险", "失业保险"),
            ),
            K("insurance_status", "参保状态", ("参保缴费", "暂停缴费", "终止参保")),
            C("employer_name", "单位名称"),
            K("employer_type", "单位性质", ("机关", "事业单位", "企业", "个体", "灵活就业")),
            C("monthly_contribution_base", "月缴费基数", AMOUNT),
            C("monthly_pension", "月养老金", AMOUNT),
            C("termination_reason", "终止原因", CODE),
            C("termination_date", "终止日期", DATE),
            K("employment_status", "就业状态", ("就业", "登记失业", "就业困难人员", "未就业")),
        ),
        roles=(
            PersonRole(
                "person", "person_name", "id_number", age_hint=AgeHint.INSURANCE, register_part="insurance_type"
            ),
        ),
        delivery=Delivery("csv", "gb18030"),
    ),
    Feed(
        "housing_safety",
        "农村低收入群体房屋安全鉴定",
        "住建局",
        "snapshot",
        (
            *_PLACE,
            C("head_name", "户主姓名", NAME, True),
            C("head_id_number", "户主身份证号", ID),
            K("safety_grade", "房屋安全等级", SAFETY_GRADES, True),
            C("assessment_date", "鉴定日期", DATE),
            K("included_in_renovation", "是否纳入改造", YES_NO),
            K("renovation_status", "改造状态", ("未改造", "改造中", "已竣工")),
        ),
        roles=(PersonRole("head", "head_name", "head_id_number", place=Place.FULL),),
        delivery=Delivery("csv", "gb18030"),
    ),
    Feed(
        "housing_property",
        "房产登记信息",
        "住建局",
        "snapshot",
        (
            C("person_name", "姓名", NAME, True),
            C("id_number", "身份证号", ID),
            C("property_count", "房产套数", INT),
            C("commercial_property_count", "其中商品房套数", INT),
            C("last_transaction_date", "最近交易日期", DATE),
        ),
        roles=(PersonRole("person", "person_name", "id_number"),),
        delivery=Delivery("csv", "utf-8"),
    ),
    Feed(
        "emergency_disaster",
        "受灾人员信息",
        "应急管理局",
        "event",
        (
            C("disaster_number", "灾情编号", TEXT, True),
            *_PLACE,
            C("person_name", "姓名", NAME, True),
            C("id_number", "身份证号", ID),
            K(
                "disaster_type",
                "灾害种类",
                ("洪涝", "干旱", "地震", "风雹", "低温冷冻", "地质灾害", "森林火灾", "其他"),
            ),
            C("disaster_date", "灾害发生日期", DATE, True),
            K(
                "damage",
                "受灾情况",
                ("房屋倒塌", "房屋严重损坏", "房屋一般损坏", "农作物绝收", "人员受伤", "紧急转移安置"),
            ),
            C("relief_paid", "已发放救助金额", AMOUNT),
        ),
        natural_key=("disaster_number", "id_number"),
        roles=(PersonRole("person", "person_name", "id_number", place=Place.FULL),),
        delivery=Delivery("csv", "utf-8"),
    ),
    Feed(
        "medins_enrollment",
        "基本医疗保险参保信息",
        "医保局",
        "snapshot",
        (
            C("person_name", "姓名", NAME, True),
            C("id_number", "身份证号", ID),
            K("insurance_scheme", "参保险种", ("职工基本医疗保险", "城乡居民基本医疗保险")),
            K("enrolment_status", "参保状态", ("正常参保", "暂停参保", "终止参保", "未参保")),
            K("subsidy_category", "资助参保类别", ("特困人员", "低保对象", "低保边缘", "返贫致贫人口", "无")),
            K("person_status", "人员状态", ("正常", "死亡")),
            C("death_date", "死亡日期", DATE),
        ),
        roles=(PersonRole("person", "person_name", "id_number"),),
        delivery=Delivery("csv", "utf-8-sig"),
    ),
    Feed(
        "medins_settlements",
        "医疗费用结算明细",
        "医保局",
        "event",
        (
            C("settlement_number", "结算流水号", TEXT, True),
            C("person_name", "姓名", NAME, True),
            C("id_number", "身份证号", ID),
            K("visit_type", "就诊类别", ("住院", "门诊慢特病", "普通门诊")),
            C("institution", "医疗机构名称"),
            C("admission_date", "入院日期", DATE),
            C("settlement_date", "结算日期", DATE, True),
            C("total_cost", "医疗总费用", AMOUNT),
            C("basic_insurance_paid", "基本医保支付", AMOUNT),
            C("critical_illness_insurance_paid", "大病保险支付", AMOUNT),
            C("medical_assistance_paid", "医疗救助支付", AMOUNT),
            C("out_of_pocket", "个人自付", AMOUNT),
            C("main_diagnosis", "主要诊断"),
            K("is_major_disease", "是否重特大疾病", YES_NO),
        ),
        natural_key=("settlement_number",),
        roles=(PersonRole("person", "person_name", "id_number"),),
        delivery=Delivery("xlsx", department_codes=True),
    ),
    Feed(
        "rural_monitoring",
        "脱贫人口及防返贫监测对象",
        "乡村振兴局",
        "snapshot",
        (
            C("household_code", "户编码", TEXT, True),
            *_PLACE,
            C("head_name", "户主姓名", NAME),
            C("member_name", "成员姓名", NAME, True),
            C("member_id_number", "证件号码", ID),
            K("relation_to_head", "与户主关系", RURAL_RELATIONS),
            K("household_category", "户类别", ("脱贫户", "监测户"), True),
            K("monitoring_category", "监测对象类别", ("脱贫不稳定户", "边缘易致贫户", "突发严重困难户")),
            K(
                "main_risk",
                "主要风险",
                ("因病", "因残", "因学", "因灾", "因意外事故", "缺劳动力", "务工就业不稳", "其他"),
            ),
            K("risk_eliminated", "风险是否消除", YES_NO),
            C("net_income_per_person_annual", "家庭年人均纯收入", AMOUNT),
            C("identified_date", "识别日期", DATE),
        ),
        roles=(
            PersonRole(
                "member", "member_name", "member_id_number", place=Place.FULL, household="'rural:' || household_code"
            ),
        ),
        delivery=Delivery("xlsx", title_rows=2, total_row=True, department_codes=True),
    ),
    Feed(
        "disability_cards",
        "持证残疾人信息",
        "残联",
        "snapshot",
        (
            C("person_name", "姓名", NAME, True),
            C("disability_card_number", "残疾人证号", DISABILITY_CARD, True),
            K("sex", "性别", SEX),
            C("county", "区县", COUNTY),
            K("disability_category", "残疾类别", ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")),
            K("disability_level", "残疾等级", DISABILITY_LEVELS),
            K("living_subsidy", "困难残疾人生活补贴", YES_NO),
            K("care_subsidy", "重度残疾人护理补贴", YES_NO),
            C("issue_date", "发证日期", DATE),
            K("card_status", "证件状态", ("有效", "注销")),
        ),
        roles=(PersonRole("person", "person_name", "id_number", sex="sex", place=Place.COUNTY),),
        delivery=Delivery("csv", "utf-8", department_codes=True),
    ),
)

FEEDS_BY_CODE: dict[str, Feed] = {f.code: f for f in FEEDS}
