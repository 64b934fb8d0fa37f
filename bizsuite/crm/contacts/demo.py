"""The contacts part of the demo company: companies and their people, roles, tags, activities.

``small`` makes 200 contacts that read well in the app; ``large`` makes 100,000 for trying the
app (and the benchmarks) at scale. About 30 % of the people and companies are Chinese
(王芳 at 北京华信科技有限公司), the rest from the US, UK, Canada, Australia, Germany and France.
Every contact is what the repository's own validation would store: emails are lower-case and
valid, phones are E.164 numbers that ``phonenumbers`` accepts for their country — taken, where a
country has them, from the ranges reserved for drama and fiction (US/CA 555-01xx, UK Ofcom,
Australia ACMA, France ARCEP, the German BNetzA ranges); Chinese mobiles are 13x/15x/18x.

A few deliberate likely-duplicates are included (a person entered twice with the same email and
another spelling of the name; a company entered twice as "Ltd" and "Limited") so that the
duplicate and merge features have something to show.

Speed: rows are built as plain dicts and written in bulk exactly as the importer does: ids from
:func:`~bizsuite.core.db.reserve_ids`, one :func:`~bizsuite.core.db.bulk_insert` per table, the
search index filled once inside :class:`~bizsuite.core.db.bulk_search_index`; ``search_text`` and
``sort_name`` come from :mod:`normalise`, so ``bizsuite check`` agrees. Nothing here calls the validators per row; ``tests/test_demo.py`` checks that every row
of the small demo passes them unchanged.

Audit: one summary Change for the whole part (entity ``contacts``, id ``FIRST-LAST``, the counts
of contacts, companies, activities and tags, and ``source = demo SIZE, seed N``) through
:func:`bizsuite.core.audit.record_many` — not one per contact as the importer does: at 100k
contacts, per-contact audit rows cost about 3.5 s of the 15 s build, and every demo row still
carries its own ``created_by``/``created_at``.

Dates come from ``base`` (a fixed moment given by the orchestrator), never from the clock, so
the same seed always gives the same rows.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from bisect import bisect_right
from dataclasses import dataclass, field
from functools import lru_cache
from datetime import datetime, timedelta
from typing import Callable

from sqlalchemy import select

from bizsuite.core import audit
from bizsuite.core.db import bulk_insert, bulk_search_index, reserve_ids
from bizsuite.core.models import User
from bizsuite.crm.contacts import normalise as norm
from bizsuite.crm.contacts.models import Activity, Contact, ContactTag

SIZES = {"small": 200, "large": 100_000}

# The demo company's own staff; the first three are also bizsuite users of the demo books
# (added by this part, before the contacts: see :func:`add_demo_users`).
STAFF = (
    ("Mei Lin", "mei", "sales"),
    ("Tom Baker", "tom", "support"),
    ("Ana Souza", "ana", "accountant"),
    ("Raj Patel", None, None),
    ("Chloé Martin", None, None),
    ("陈志明", None, None),
    ("Oliver Grant", None, None),
    ("Sofia Rossi", None, None),
)
DEMO_USERS = tuple((login, role) for _, login, role in STAFF if login)

# -- names --------------------------------------------------------------------------------------

CN_FAMILY = (
    ("王", "wang", 12), ("李", "li", 12), ("张", "zhang", 11), ("刘", "liu", 9), ("陈", "chen", 8),
    ("杨", "yang", 6), ("黄", "huang", 5), ("赵", "zhao", 5), ("吴", "wu", 4), ("周", "zhou", 4),
    ("徐", "xu", 3), ("孙", "sun", 3), ("马", "ma", 3), ("朱", "zhu", 3), ("胡", "hu", 3),
    ("郭", "guo", 3), ("何", "he", 3), ("林", "lin", 3), ("高", "gao", 2), ("罗", "luo", 2),
    ("郑", "zheng", 2), ("梁", "liang", 2), ("谢", "xie", 2), ("宋", "song", 2), ("唐", "tang", 2),
    ("韩", "han", 2), ("冯", "feng", 2), ("邓", "deng", 2), ("曹", "cao", 2), ("欧阳", "ouyang", 1),
    ("司马", "sima", 1), ("诸葛", "zhuge", 1),
)
CN_GIVEN = (
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("秀英", "xiuying"), ("敏", "min"), ("静", "jing"),
    ("丽", "li"), ("强", "qiang"), ("磊", "lei"), ("军", "jun"), ("洋", "yang"), ("勇", "yong"),
    ("艳", "yan"), ("杰", "jie"), ("娟", "juan"), ("涛", "tao"), ("明", "ming"), ("超", "chao"),
    ("秀兰", "xiulan"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"), ("小明", "xiaoming"),
    ("建国", "jianguo"), ("志强", "zhiqiang"), ("海燕", "haiyan"), ("晓东", "xiaodong"), ("丹", "dan"),
    ("鹏", "peng"), ("宇", "yu"), ("浩", "hao"), ("婷", "ting"), ("慧", "hui"), ("雪", "xue"),
    ("欣怡", "xinyi"), ("子涵", "zihan"), ("梓轩", "zixuan"), ("佳怡", "jiayi"), ("俊杰", "junjie"),
    ("文博", "wenbo"), ("嘉豪", "jiahao"), ("思远", "siyuan"), ("雨桐", "yutong"), ("一鸣", "yiming"),
    ("红梅", "hongmei"), ("国华", "guohua"), ("立新", "lixin"), ("春燕", "chunyan"), ("晓华", "xiaohua"),
    ("志明", "zhiming"), ("小红", "xiaohong"), ("建华", "jianhua"),
)
EN_FIRST = (
    "James", "Mary", "John", "Patricia", "Robert", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Charles", "Karen", "Daniel", "Emily", "Matthew", "Olivia", "Anthony", "Sophia", "Mark", "Grace",
    "Steven", "Chloe", "Andrew", "Hannah", "Paul", "Amelia", "Kevin", "Isla", "Brian", "Zoë", "Liam",
    "Noah", "Aisha", "Priya", "José", "María", "Siobhán", "Renée", "Ethan", "Mia", "Oliver", "Ava",
    "Lucas", "Ella", "Raj", "Fatima", "Diego", "Camila", "Nina", "Oscar", "Katherine", "Megan",
)
EN_LAST = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Wilson", "Anderson", "Taylor", "Thomas", "Moore", "Jackson", "Martin", "Lee",
    "Thompson", "White", "Harris", "Clark", "Lewis", "Robinson", "Walker", "Young", "Allen", "King",
    "Wright", "Scott", "Hill", "Green", "Adams", "Baker", "Nelson", "Carter", "Mitchell", "Roberts",
    "Turner", "Phillips", "Campbell", "Parker", "Evans", "Edwards", "Collins", "Stewart", "Murphy",
    "Cook", "Rogers", "O'Brien", "MacDonald", "O'Connor", "Nguyen", "Kim", "Patel", "Singh", "Silva",
    "Santos", "Novak", "Kowalski", "Andersson", "Hansen", "Okafor", "Hughes", "Kelly", "Reid",
)
DE_FIRST = (
    "Lukas", "Anna", "Jonas", "Lea", "Felix", "Marie", "Jürgen", "Sabine", "Matthias", "Katrin",
    "Stefan", "Julia", "Björn", "Ursula", "Tobias", "Lena", "Maximilian", "Sophie", "Uwe", "Petra",
)
DE_LAST = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Koch", "Richter", "Klein", "Wolf", "Schröder", "Neumann", "Zimmermann", "Braun",
    "Krüger", "Hartmann",
)
FR_FIRST = (
    "Jean", "Marie", "Pierre", "Camille", "Luc", "Chloé", "François", "Élodie", "Julien", "Léa",
    "Nicolas", "Manon", "Théo", "Inès", "Antoine", "Margaux", "Hélène", "Benoît",
)
FR_LAST = (
    "Martin", "Bernard", "Dubois", "Thomas", "Robert", "Richard", "Petit", "Durand", "Leroy",
    "Moreau", "Simon", "Laurent", "Lefèvre", "Michel", "David", "Bertrand", "Roux", "Vincent",
    "Fournier", "Girard", "Bonnet", "Dupont", "Lambert", "Fontaine",
)
NICKNAMES = {
    "William": "Bill", "Robert": "Bob", "Jennifer": "Jenny", "Michael": "Mike", "Katherine": "Kate",
    "Thomas": "Tom", "Elizabeth": "Liz", "Daniel": "Dan", "Matthew": "Matt", "Andrew": "Andy",
    "Joseph": "Joe", "Richard": "Rick", "Steven": "Steve", "Patricia": "Pat", "Susan": "Sue",
    "Anthony": "Tony", "Maximilian": "Max", "Nicolas": "Nico",
}

# -- companies ----------------------------------------------------------------------------------

CN_BRANDS = (
    ("华信", "huaxin"), ("东方", "dongfang"), ("长城", "changcheng"), ("恒通", "hengtong"),
    ("新华", "xinhua"), ("金桥", "jinqiao"), ("明德", "mingde"), ("远航", "yuanhang"),
    ("天润", "tianrun"), ("宏达", "hongda"), ("瑞丰", "ruifeng"), ("博远", "boyuan"),
    ("嘉禾", "jiahe"), ("鑫源", "xinyuan"), ("永安", "yongan"), ("海通", "haitong"),
    ("正泰", "zhengtai"), ("中联", "zhonglian"), ("同创", "tongchuang"), ("安信", "anxin"),
    ("华美", "huamei"), ("盛世", "shengshi"), ("鼎盛", "dingsheng"), ("启明", "qiming"),
    ("星辰", "xingchen"), ("蓝海", "lanhai"), ("百川", "baichuan"), ("凯达", "kaida"),
    ("联创", "lianchuang"), ("锦程", "jincheng"), ("富源", "fuyuan"), ("恒信", "hengxin"),
    ("国泰", "guotai"), ("振华", "zhenhua"), ("德盛", "desheng"), ("和泰", "hetai"),
    ("万通", "wantong"), ("九州", "jiuzhou"), ("龙腾", "longteng"), ("青松", "qingsong"),
)
CN_TRADES = (
    ("科技", "tech"), ("贸易", "trade"), ("物流", "logistics"), ("电子", "electronics"),
    ("食品", "food"), ("纺织", "textile"), ("机械", "machinery"), ("建材", "materials"),
    ("医疗器械", "medical"), ("文化传媒", "media"), ("包装", "pack"), ("化工", "chem"),
    ("家具", "furniture"), ("汽车配件", "autoparts"), ("软件", "soft"),
)
CN_LEGAL = ("有限公司", "有限公司", "有限公司", "股份有限公司")
EN_WORDS = (
    "Northwind", "Bluebird", "Harbor", "Summit", "Evergreen", "Redwood", "Silverline", "Ironbridge",
    "Brightwater", "Oakridge", "Pinecrest", "Riverside", "Sterling", "Beacon", "Cobalt", "Granite",
    "Maple", "Meridian", "Nimbus", "Orchard", "Pioneer", "Quarry", "Sapphire", "Horizon",
    "Lighthouse", "Copperfield", "Falcon", "Westbrook", "Kestrel", "Juniper", "Alder", "Birchwood",
    "Crescent", "Driftwood", "Foxglove", "Hawthorn", "Larkspur", "Moorland", "Thistle", "Willow",
)
EN_TRADES = (
    "Traders", "Logistics", "Supplies", "Foods", "Textiles", "Electronics", "Hardware", "Design",
    "Consulting", "Packaging", "Furniture", "Outfitters", "Wholesale", "Imports", "Engineering",
    "Software", "Print", "Coffee Roasters", "Bakery", "Labs",
)
DE_TRADES = (
    "Maschinenbau", "Logistik", "Elektronik", "Feinkost", "Textil", "Verpackung", "Handel",
    "Möbelwerk", "Druckerei", "Software", "Metallbau", "Kaffeerösterei",
)
FR_TRADES = (
    "Logistique", "Textiles", "Électronique", "Alimentation", "Emballages", "Conseil", "Mobilier",
    "Imprimerie", "Distribution", "Ingénierie",
)

# -- places, with phone ranges: (prefix, first, count, digits) -----------------------------------


def _us(area: str) -> list[tuple]:
    # 555-0100..0199 is reserved for fiction; the rest of 555 is used only once that runs out.
    return [(f"+1{area}555", 100, 100, 4)]


def _us_more(area: str) -> list[tuple]:
    return [(f"+1{area}555", 200, 1012, 4), (f"+1{area}555", 1213, 8787, 4)]


@dataclass
class City:
    name: str
    phones: list[tuple]
    more_phones: list[tuple] = field(default_factory=list)
    district: tuple[str, ...] = ()


@dataclass
class Country:
    code: str
    name: str
    culture: str  # which names: en, de, fr, cn
    weight: float
    cities: list[City]
    tld: str
    legal: tuple[str, ...]
    streets: tuple[str, ...]
    freemail: tuple[str, ...]
    mobiles: list[tuple] = field(default_factory=list)


COUNTRIES = [
    Country("CN", "China", "cn", 30, [
        City("北京", [("+86106", 0, 10**7, 7)], district=("朝阳区", "海淀区", "东城区", "丰台区")),
        City("上海", [("+86215", 0, 10**7, 7)], district=("浦东新区", "徐汇区", "静安区", "闵行区")),
        City("广州", [("+86208", 0, 10**7, 7)], district=("天河区", "越秀区", "海珠区")),
        City("深圳", [("+867558", 0, 10**7, 7)], district=("南山区", "福田区", "宝安区")),
        City("杭州", [("+865718", 0, 10**7, 7)], district=("西湖区", "滨江区", "余杭区")),
        City("成都", [("+86286", 0, 10**7, 7)], district=("武侯区", "锦江区", "高新区")),
        City("南京", [("+86258", 0, 10**7, 7)], district=("鼓楼区", "玄武区", "建邺区")),
        City("武汉", [("+86278", 0, 10**7, 7)], district=("江汉区", "武昌区", "洪山区")),
        City("苏州", [("+865126", 0, 10**7, 7)], district=("姑苏区", "工业园区", "吴中区")),
        City("天津", [("+86222", 0, 10**7, 7)], district=("和平区", "河西区", "滨海新区")),
    ], "cn", CN_LEGAL, ("建国路", "人民路", "中山路", "解放路", "科技园路", "长江路", "和平街", "新华路"),
        ("qq.com", "163.com", "126.com", "sina.com"),
        mobiles=[(f"+86{p}", 0, 10**8, 8) for p in (
            "130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
            "155", "156", "158", "159", "177", "180", "181", "186", "187", "188", "189", "199")]),
    Country("US", "United States", "en", 26, [
        City("San Francisco", _us("415"), _us_more("415")), City("New York", _us("212") + _us("646"), _us_more("212")),
        City("Chicago", _us("312"), _us_more("312")), City("Austin", _us("512"), _us_more("512")),
        City("Seattle", _us("206"), _us_more("206")), City("Boston", _us("617"), _us_more("617")),
        City("Denver", _us("303"), _us_more("303")), City("Los Angeles", _us("213") + _us("310"), _us_more("310")),
        City("Atlanta", _us("404"), _us_more("404")), City("Miami", _us("305"), _us_more("305")),
        City("Portland", _us("503"), _us_more("503")), City("Philadelphia", _us("215"), _us_more("215")),
    ], "com", ("Inc.", "LLC", "Co.", "Inc."), ("Market St", "Main St", "Oak Ave", "Mission St",
        "Broadway", "Pine St", "Elm St", "Park Ave", "Lake Dr", "Cedar Ln"),
        ("gmail.com", "outlook.com", "yahoo.com", "icloud.com")),
    Country("GB", "United Kingdom", "en", 14, [
        City("London", [("+442079460", 0, 1000, 3)]), City("Leeds", [("+44113496", 0, 1000, 4)]),
        City("Sheffield", [("+44114496", 0, 1000, 4)]), City("Nottingham", [("+44115496", 0, 1000, 4)]),
        City("Leicester", [("+44116496", 0, 1000, 4)]), City("Bristol", [("+44117496", 0, 1000, 4)]),
        City("Reading", [("+44118496", 0, 1000, 4)]), City("Birmingham", [("+44121496", 0, 1000, 4)]),
        City("Edinburgh", [("+44131496", 0, 1000, 4)]), City("Glasgow", [("+44141496", 0, 1000, 4)]),
        City("Liverpool", [("+44151496", 0, 1000, 4)]), City("Manchester", [("+44161496", 0, 1000, 4)]),
        City("Newcastle", [("+44191498", 0, 1000, 4)]), City("Cardiff", [("+44292018", 0, 1000, 4)]),
        City("Belfast", [("+44289018", 0, 1000, 4)]),
    ], "co.uk", ("Ltd", "Ltd", "LLP", "plc"), ("High Street", "Station Road", "Church Lane",
        "Victoria Road", "Mill Lane", "Park Road", "King Street", "Queen Street"),
        ("gmail.com", "btinternet.com", "outlook.com", "yahoo.co.uk")),
    Country("DE", "Germany", "de", 9, [
        City("Berlin", [("+493023125", 0, 1000, 3)]), City("Frankfurt am Main", [("+496990009", 0, 1000, 3)]),
        City("Hamburg", [("+494066969", 0, 1000, 3)]), City("Köln", [("+492214710", 0, 1000, 3)]),
        City("München", [("+498999998", 0, 1000, 3)]),
    ], "de", ("GmbH", "GmbH", "AG", "GmbH & Co. KG"), ("Hauptstraße", "Bahnhofstraße", "Gartenstraße",
        "Schillerstraße", "Goethestraße", "Lindenweg", "Industriestraße"), ("gmx.de", "web.de", "t-online.de")),
    Country("FR", "France", "fr", 8, [
        City("Paris", [("+3319900", 0, 10**4, 4)]), City("Nantes", [("+3326191", 0, 10**4, 4)]),
        City("Lille", [("+3335301", 0, 10**4, 4)]), City("Lyon", [("+3346571", 0, 10**4, 4)]),
        City("Bordeaux", [("+3353649", 0, 10**4, 4)]),
    ], "fr", ("SARL", "SAS", "SA"), ("rue de la République", "avenue Victor Hugo", "rue Pasteur",
        "boulevard Voltaire", "rue des Lilas", "place de la Gare"), ("orange.fr", "free.fr", "gmail.com")),
    Country("AU", "Australia", "en", 7, [
        City("Sydney", [("+6125550", 0, 10**4, 4), ("+6127010", 0, 10**4, 4)]),
        City("Melbourne", [("+6135550", 0, 10**4, 4), ("+6137010", 0, 10**4, 4)]),
        City("Brisbane", [("+6175550", 0, 10**4, 4), ("+6177010", 0, 10**4, 4)]),
        City("Perth", [("+6185550", 0, 10**4, 4), ("+6187010", 0, 10**4, 4)]),
    ], "com.au", ("Pty Ltd",), ("George St", "Collins St", "Queen St", "King William St", "Hay St"),
        ("bigpond.com", "gmail.com", "outlook.com")),
    Country("CA", "Canada", "en", 6, [
        City("Toronto", _us("416") + _us("647"), _us_more("416")), City("Montréal", _us("514"), _us_more("514")),
        City("Vancouver", _us("604"), _us_more("604")), City("Calgary", _us("403"), _us_more("403")),
        City("Ottawa", _us("613"), _us_more("613")),
    ], "ca", ("Inc.", "Ltd."), ("Yonge St", "Granville St", "Rue Sainte-Catherine", "Bank St", "8 Ave SW"),
        ("gmail.com", "outlook.com", "rogers.com")),
]

HOME = ("United States", "San Francisco")  # where the demo company itself is

# -- tags, notes, activities --------------------------------------------------------------------

NOTES_EN = (
    "Prefers email over phone calls.", "Pays within 30 days; never late so far.",
    "Asked for net-60 payment terms.", "New purchasing manager since January.",
    "Met at the spring trade show; interested in the wholesale catalogue.",
    "Deliveries to the back entrance before 10:00.", "Sends orders by email on Mondays.",
    "Ask for a volume discount before the next order.", "Long-standing customer, handle with care.",
)
NOTES_CN = (
    "喜欢微信联系。", "月结30天，付款及时。", "要求增值税专用发票。", "新任采购经理，一月上任。",
    "春季展会上认识，对批发目录感兴趣。", "送货请提前一天电话确认。",
)
ACTIVITY_TEXT = {
    "call": ("Called about the next order", "Follow-up call on the quote", "Left a voicemail",
             "Discussed the delivery delay", "Checked the price list", "电话沟通报价", "回访客户"),
    "meeting": ("Met at Trade Show 2026", "Quarterly review", "Site visit", "Lunch meeting",
                "Product demo", "拜访客户", "季度业务回顾"),
    "email": ("Sent the 2026 price list", "Sent the catalogue", "Confirmed payment terms",
              "Sent a quote", "Order confirmation", "发送报价单", "确认交货日期"),
    "note": ("Prefers calls in the morning", "Asked for net-60 terms", "Changed purchasing manager",
             "Interested in the new product line", "客户要求月结", "下次联系前先看库存"),
}
ACTIVITY_BODIES = {
    False: (None, None, None, "Wants an answer by Friday.", "Will call back next week.",
            "Agreed to send samples.", "Budget approved for Q2."),
    True: (None, None, None, "下周再联系。", "同意寄样品。", "周五前答复。"),
}

_ASCII = str.maketrans({"ß": "ss", "ø": "o", "Ø": "O", "ł": "l", "Ł": "L", "æ": "ae", "œ": "oe"})
_NOT_SLUG = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=None)
def _ascii(text: str) -> str:
    t = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return "".join(ch for ch in t if not unicodedata.combining(ch)).lower()


def _unaccent(text: str) -> str:
    """``José Müller`` → ``Jose Muller`` (case kept)."""
    t = unicodedata.normalize("NFKD", text.translate(_ASCII))
    return unicodedata.normalize("NFC", "".join(ch for ch in t if not unicodedata.combining(ch)))


def _has_cjk(text: str) -> bool:
    return any("\u3400" <= ch <= "\u9fff" for ch in text)


@lru_cache(maxsize=None)
def _slug(text: str, sep: str = "") -> str:
    return _NOT_SLUG.sub(sep, _ascii(text)).strip(sep)


class PhonePool:
    """Unique numbers from a list of ranges, in a scrambled but seed-determined order."""

    def __init__(self, rng: random.Random, blocks: list[tuple], more: list[tuple] | tuple = ()):
        self.tiers = [t for t in (list(blocks), list(more)) if t]
        self._rng = rng
        self._start(0)

    def _start(self, tier: int) -> None:
        self.tier = tier
        blocks = self.tiers[tier] if tier < len(self.tiers) else []
        self.blocks = blocks
        self.ends = []
        n = 0
        for b in blocks:
            n += b[2]
            self.ends.append(n)
        self.size = n
        self.k = 0
        if n:
            a = self._rng.randrange(max(1, n // 3), n) | 1 if n > 2 else 1
            while math.gcd(a, n) != 1:
                a += 1
            self.a, self.b = a, self._rng.randrange(n)

    def take(self) -> str | None:
        while self.k >= self.size:
            if self.tier >= len(self.tiers):
                return None
            self._start(self.tier + 1)
            if self.tier >= len(self.tiers):
                return None
        idx = (self.a * self.k + self.b) % self.size
        self.k += 1
        i = bisect_right(self.ends, idx)
        prefix, first, _count, digits = self.blocks[i]
        offset = idx - (self.ends[i - 1] if i else 0)
        return f"{prefix}{first + offset:0{digits}d}"


@dataclass
class Gen:
    """One contact being made: its row, tags, and what the activity timeline should look like."""

    row: dict
    tags: list[str]
    culture: str
    company: "Gen | None" = None
    dup_of: "Gen | None" = None
    id: int | None = None
    # companies only: where they are, their mail domain, the roles their people usually share
    country: Country | None = None
    city: City | None = None
    domain: str = ""
    roles: tuple[str, ...] = ()


class Maker:
    """Names, addresses, emails and phones that never repeat where they should not."""

    def __init__(self, rng: random.Random, base: datetime):
        self.rng = rng
        self.base = base
        self._midnight = base.replace(hour=0, minute=0, second=0, microsecond=0)
        self.emails: set[str] = set()
        self.names: set[str] = set()
        self.domains: set[str] = set()
        self.country_cum = []
        total = 0.0
        for c in COUNTRIES:
            total += c.weight
            self.country_cum.append(total)
        self.city_pools: dict[tuple[str, str], PhonePool] = {}
        self.mobile_pools: dict[str, PhonePool] = {}
        self.cn_family_cum = []
        t = 0
        for _, _, w in CN_FAMILY:
            t += w
            self.cn_family_cum.append(t)

    # -- basics -----------------------------------------------------------------------------
    def when(self, earliest_days_ago: float, latest_days_ago: float = 0.0) -> datetime:
        """A moment in office hours between two numbers of days before the base date."""
        r = self.rng
        lo, hi = sorted((int(latest_days_ago), int(earliest_days_ago)))
        day = self._midnight - timedelta(days=r.randint(lo, hi), seconds=-r.randrange(8 * 3600, 18 * 3600))
        return min(day, self.base)

    def country(self) -> Country:
        return COUNTRIES[bisect_right(self.country_cum, self.rng.random() * self.country_cum[-1])]

    def phone(self, country: Country, city: City, *, mobile: bool = False) -> str | None:
        if mobile and country.mobiles:
            pool = self.mobile_pools.get(country.code)
            if pool is None:
                pool = self.mobile_pools[country.code] = PhonePool(self.rng, country.mobiles)
            return pool.take()
        key = (country.code, city.name)
        pool = self.city_pools.get(key)
        if pool is None:
            pool = self.city_pools[key] = PhonePool(self.rng, city.phones, city.more_phones)
        return pool.take()

    def address(self, country: Country, city: City) -> str:
        r = self.rng
        street = r.choice(country.streets)
        if country.culture == "cn":
            return f"{r.choice(city.district)}{street}{r.randint(1, 300)}号"
        if country.code in ("DE",):
            return f"{street} {r.randint(1, 180)}"
        if country.code == "FR":
            return f"{r.randint(1, 120)} {street}"
        return f"{r.randint(1, 2400)} {street}"

    def unique_email(self, local: str, domain: str) -> str:
        local = local.strip(".") or "contact"
        email = f"{local}@{domain}"
        n = 2
        while email in self.emails:
            email = f"{local}{n}@{domain}"
            n += 1
        self.emails.add(email)
        return email

    # -- people -----------------------------------------------------------------------------
    def person_name(self, culture: str) -> tuple[str, str, str]:
        """(display name, ascii first, ascii last)."""
        r = self.rng
        if culture == "cn":
            fam = CN_FAMILY[bisect_right(self.cn_family_cum, r.random() * self.cn_family_cum[-1])]
            given = r.choice(CN_GIVEN)
            return fam[0] + given[0], given[1], fam[1]
        first, last = {
            "de": (DE_FIRST, DE_LAST), "fr": (FR_FIRST, FR_LAST),
        }.get(culture, (EN_FIRST, EN_LAST))
        f, l_ = r.choice(first), r.choice(last)
        return f"{f} {l_}", _slug(f), _slug(l_)

    def person_email(self, first: str, last: str, domain: str, culture: str, *, work: bool = True) -> str:
        r = self.rng.random()
        if culture == "cn":
            local = f"{last}.{first}" if r < 0.5 else (f"{last}{first}" if r < 0.8 else f"{first}.{last}")
        elif work:
            local = f"{first}.{last}" if r < 0.6 else (f"{first[:1]}{last}" if r < 0.85 else first)
        else:  # a private mailbox: the plain name is long taken
            local = f"{first}.{last}" if r < 0.4 else f"{first}{last}{self.rng.randint(1, 99)}"
        return self.unique_email(local, domain)

    # -- companies --------------------------------------------------------------------------
    def company_name(self, country: Country, city: City) -> tuple[str, str]:
        """(name, domain) — unique among the demo's companies."""
        r = self.rng
        for attempt in range(60):
            if country.culture == "cn":
                place = city.name if r.random() < 0.7 else ""
                brand, trade = r.choice(CN_BRANDS), r.choice(CN_TRADES)
                name = f"{place}{brand[0]}{trade[0]}{r.choice(country.legal)}"
                stems = (brand[1], brand[1] + trade[1], f"{brand[1]}-{trade[1]}")
                tld = r.choice(("cn", "com.cn", "com"))
            else:
                legal = r.choice(country.legal)
                pattern = r.random()
                if country.culture == "de":
                    word = r.choice(DE_LAST) if pattern < 0.7 else r.choice(EN_WORDS)
                    name, stem = f"{word} {r.choice(DE_TRADES)} {legal}", word
                elif country.culture == "fr":
                    if pattern < 0.3:
                        word = r.choice(FR_LAST)
                        name, stem = f"Maison {word} {legal}", f"maison-{word}"
                    else:
                        word = r.choice(FR_LAST) if pattern < 0.7 else r.choice(EN_WORDS)
                        name, stem = f"{word} {r.choice(FR_TRADES)} {legal}", word
                elif pattern < 0.5:
                    word, trade = r.choice(EN_WORDS), r.choice(EN_TRADES)
                    name, stem = f"{word} {trade} {legal}", f"{word} {trade}"
                elif pattern < 0.8:
                    word, trade = r.choice(EN_LAST), r.choice(EN_TRADES)
                    name, stem = f"{word} {trade} {legal}", f"{word} {trade}"
                else:
                    a, b = r.sample(EN_LAST, 2)
                    name, stem = f"{a} & {b} {legal}", f"{a} {b}"
                stems = (stem, None)
                tld = country.tld
            if attempt >= 40:
                name = f"{name} ({city.name})"
            key = norm.name_key(name)
            if key in self.names:
                continue
            self.names.add(key)
            if stems[1] is None:
                stems = (_slug(stems[0]), _slug(stems[0], "-"), _slug(name, "-"))
            for stem in stems:
                domain = f"{stem}.{tld}"
                if domain not in self.domains:
                    break
            n = 2
            while domain in self.domains:
                domain = f"{stems[0]}{n}.{tld}"
                n += 1
            self.domains.add(domain)
            return name, domain
        raise RuntimeError("ran out of company names")  # pragma: no cover


def _roles(r: random.Random, *, company_roles: tuple[str, ...] | None = None) -> tuple[str, ...]:
    if company_roles is not None:
        return company_roles if r.random() < 0.85 else ()
    x = r.random()
    if x < 0.55:
        return ("customer",)
    if x < 0.75:
        return ("supplier",)
    if x < 0.95:
        return ("lead",)
    return ("customer", "supplier")


def _tags(r: random.Random, roles: tuple[str, ...], culture: str, kind: str) -> list[str]:
    tags = []
    if "customer" in roles:
        if r.random() < 0.12:
            tags.append("vip")
        if kind == "company":
            tags.append("wholesale" if r.random() < 0.45 else "retail")
        if r.random() < 0.35:
            tags.append("newsletter")
    if "supplier" in roles:
        if r.random() < 0.3:
            tags.append("preferred-supplier")
        if r.random() < 0.3:
            tags.append("net-30")
    if "lead" in roles:
        x = r.random()
        tags.append("trade-show-2026" if x < 0.4 else ("web-enquiry" if x < 0.7 else "cold"))
    elif r.random() < 0.05:
        tags.append("trade-show-2026")
    if culture == "cn" and r.random() < 0.3:
        tags.append(r.choice(("华东", "华南", "华北", "西南")))
    return sorted(set(tags))


DEMO_REGION = "US"  # the demo company's phone numbers without a +country code


def add_demo_users(books) -> int:
    """The demo company's staff who use bizsuite (they need not be OS users); how many were added."""
    existing = {u.name for u in books.admin.users(include_inactive=True)}
    added = 0
    for login, role in DEMO_USERS:
        if login not in existing:
            books.admin.add_user(login, role)
            added += 1
    return added


def add_demo_contacts(books, rng: random.Random, size: str, *, base: datetime, seed: int = 0,
                      progress: Callable[[int, int], None] | None = None) -> dict[str, int]:
    """The contacts part of the demo (see the module doc); returns what it made, for the summary.

    First adds the staff who use bizsuite (:data:`DEMO_USERS`) and, if the books have none, the
    demo's phone region. Uses the active users of the books as activity authors: ``mei``
    (sales), ``tom`` (support) and ``ana`` (accounts), the acting owner always.
    """
    if size not in SIZES:
        raise ValueError(f"size {size!r} is not one of {', '.join(SIZES)}")
    books.require("contacts.write")
    added_users = add_demo_users(books)
    if books.setting("contacts.phone_region") is None:
        books.set_setting("contacts.phone_region", DEMO_REGION)
    s = books.session
    total = SIZES[size]
    owner = books.actor.name
    report = progress or (lambda done, total_: None)
    our_name = books.company or "Lotus & Pine Trading Co."
    m = Maker(rng, base)
    r = rng
    users = set(s.scalars(select(User.name).where(User.active.is_(True))))
    sales = [u for u in ("mei",) if u in users] or [owner]
    support = [u for u in ("tom",) if u in users] or [owner]
    accounts = [u for u in ("ana",) if u in users] or [owner]

    n_companies = max(20, round(total * 0.15))
    n_dup_people = max(4, total // 500)
    n_dup_companies = max(1, total // 5000)
    n_staff = len(STAFF) if size == "small" else 120
    n_people = total - n_companies - n_dup_people - n_dup_companies - n_staff
    n_free = round(n_people * 0.12)
    n_work = n_people - n_free

    def row(kind: str, name: str, *, company: Gen | None, email, phone, roles, tags, address,
            city, country, notes, created) -> dict:
        company_name = company.row["name"] if company else None
        return {
            "kind": kind, "name": name, "sort_name": norm.sort_key(name), "company_id": None,
            "email": email, "phone": phone,
            "is_customer": "customer" in roles, "is_supplier": "supplier" in roles,
            "is_lead": "lead" in roles, "is_employee": "employee" in roles,
            "address": address, "city": city, "country": country, "notes": notes,
            "search_text": norm.search_text(name=name, company=company_name, email=email, phone=phone,
                                            tags=tags, city=city),
            "version": 1, "created_at": created, "created_by": owner, "updated_at": created,
            "updated_by": owner,
        }

    # 1. companies: ours first, then customers, suppliers and leads
    home = next(c for c in COUNTRIES if c.name == HOME[0])
    home_city = next(c for c in home.cities if c.name == HOME[1])
    our_domain = (_slug(norm.name_key(our_name)) or "ourcompany") + ".com"
    m.names.add(norm.name_key(our_name))
    m.domains.add(our_domain)
    our_created = base - timedelta(days=6 * 365)
    ours = Gen(row("company", our_name, company=None, email=m.unique_email("hello", our_domain),
                   phone=m.phone(home, home_city), roles=(), tags=[], address="500 Market St",
                   city=home_city.name, country=home.name, notes="Our own company.",
                   created=our_created), [], "en", country=home, city=home_city, domain=our_domain)
    companies: list[Gen] = [ours]
    for _ in range(n_companies - 1):
        country = m.country()
        city = r.choice(country.cities)
        name, domain = m.company_name(country, city)
        roles = _roles(r)
        tags = _tags(r, roles, country.culture, "company")
        local = r.choice(("info", "sales", "hello", "office", "accounts")) if country.culture != "cn" else r.choice(("info", "sales", "service"))
        email = m.unique_email(local, domain) if r.random() < 0.9 else None
        notes = None
        if r.random() < 0.25:
            notes = r.choice(NOTES_CN if country.culture == "cn" else NOTES_EN)
        g = Gen(row("company", name, company=None, email=email, phone=m.phone(country, city),
                    roles=roles, tags=tags, address=m.address(country, city) if r.random() < 0.8 else None,
                    city=city.name, country=country.name, notes=notes, created=m.when(4 * 365, 30)),
                tags, country.culture, country=country, city=city, domain=domain, roles=roles)
        companies.append(g)
    # company duplicates: the same firm typed again with another legal suffix, no people
    for original in r.sample(companies[1:], n_dup_companies):
        name = original.row["name"]
        # another spelling of the legal form, or none at all: the same name for duplicate search
        twin = None
        for a, b in (("股份有限公司", "有限公司"), ("有限公司", "公司"), ("Pty Ltd", "Pty Limited"),
                     ("Ltd", "Limited"), ("Ltd.", "Limited"), ("Inc.", "Incorporated"), ("Co.", "Company")):
            if name.endswith(a):
                twin = name[: -len(a)] + b
                break
        if twin is None:
            legal = max((x for x in original.country.legal if name.endswith(" " + x)), key=len, default="")
            twin = name[: len(name) - len(legal)].strip() if legal else name + " Co."
        g = Gen(row("company", twin, company=None, email=None, phone=original.row["phone"],
                    roles=original.roles, tags=[], address=None, city=original.city.name,
                    country=original.country.name, notes=None,
                    created=min(base, original.row["created_at"] + timedelta(days=r.randint(20, 200), minutes=r.randrange(600)))),
                [], original.culture, dup_of=original, country=original.country, city=original.city,
                domain=original.domain, roles=original.roles)
        companies.append(g)
    companies.sort(key=lambda g: (g.row is not ours.row, g.row["created_at"]))
    report(len(companies) // 2, total)  # making rows is the first half, writing the second

    # 2. people: our staff, people at the other companies (more at some), freelancers
    people: list[Gen] = []
    for name, login, _role in STAFF[:n_staff]:
        culture = "cn" if _has_cjk(name) else "en"
        first, last = name.split(" ", 1) if " " in name else (name[1:], name[:1])
        local = login or (_slug(first) + "." + _slug(last) if culture == "en" else "zhiming.chen")
        people.append(Gen(row("person", name, company=ours, email=m.unique_email(local, our_domain),
                              phone=m.phone(home, home_city), roles=("employee",), tags=[],
                              address=None, city=home_city.name, country=home.name, notes=None,
                              created=m.when(6 * 365 - 10, 200)), [], culture, company=ours))
    for _ in range(n_staff - len(people)):
        culture = "cn" if r.random() < 0.3 else "en"
        name, first, last = m.person_name(culture)
        people.append(Gen(row("person", name, company=ours, email=m.person_email(first, last, our_domain, "en"),
                              phone=m.phone(home, home_city), roles=("employee",), tags=[],
                              address=None, city=home_city.name, country=home.name, notes=None,
                              created=m.when(6 * 365 - 10, 10)), [], culture, company=ours))
    others = [c for c in companies if c.row is not ours.row and c.dup_of is None]
    weights = []
    acc = 0.0
    for _ in others:
        acc += r.paretovariate(1.6)
        weights.append(acc)
    employers = r.choices(others, cum_weights=weights, k=n_work)
    step = max(1, n_people // 20)
    for i, company in enumerate(employers):
        country, city, domain, croles = company.country, company.city, company.domain, company.roles
        culture = company.culture if r.random() < 0.88 else r.choice(("cn", "en", "en", "de", "fr"))
        name, first, last = m.person_name(culture)
        roles = _roles(r, company_roles=croles)
        tags = _tags(r, roles, culture, "person")
        x = r.random()
        email = m.person_email(first, last, domain, culture) if x < 0.85 else (
            m.person_email(first, last, r.choice(country.freemail), culture, work=False) if x < 0.93 else None)
        phone = m.phone(country, city, mobile=r.random() < 0.6) if r.random() < 0.8 else None
        notes = None
        if r.random() < 0.12:
            notes = r.choice(NOTES_CN if culture == "cn" else NOTES_EN)
        created = max(company.row["created_at"], m.when((base - company.row["created_at"]).days, 1))
        people.append(Gen(row("person", name, company=company, email=email, phone=phone, roles=roles,
                              tags=tags, address=None, city=city.name, country=country.name, notes=notes,
                              created=created), tags, culture, company=company))
        if progress and i % step == 0:
            report((len(companies) + len(people)) // 2, total)
    for _ in range(n_free):
        country = m.country()
        city = r.choice(country.cities)
        name, first, last = m.person_name(country.culture)
        roles = _roles(r)
        tags = _tags(r, roles, country.culture, "person")
        email = (m.person_email(first, last, r.choice(country.freemail), country.culture, work=False)
                 if r.random() < 0.9 else None)
        people.append(Gen(row("person", name, company=None, email=email,
                              phone=m.phone(country, city, mobile=True) if r.random() < 0.85 else None,
                              roles=roles, tags=tags,
                              address=m.address(country, city) if r.random() < 0.5 else None,
                              city=city.name, country=country.name,
                              notes="Freelancer." if r.random() < 0.2 else None,
                              created=m.when(4 * 365, 1)), tags, country.culture))
    # likely duplicates: the same person typed again, same email, another spelling of the name
    candidates = [p for p in people if p.row["email"] and p.company is not ours]
    for original in r.sample(candidates, n_dup_people):
        name = original.row["name"]
        if original.culture == "cn":
            twin = name[0] + " " + name[1:] if r.random() < 0.5 else name + name[-1]
        else:
            first, _, last = name.partition(" ")
            if first in NICKNAMES:
                twin = f"{NICKNAMES[first]} {last}"
            elif _unaccent(name) != name:
                twin = _unaccent(name)
            else:
                i = r.randrange(1, len(last) - 1) if len(last) > 3 else 1
                twin = f"{first} {last[:i]}{last[i + 1:]}"
        o = original.row
        g = Gen(row("person", twin, company=original.company, email=o["email"], phone=None,
                    roles=tuple(x for x in ("customer", "supplier", "lead") if o[f"is_{x}"]),
                    tags=[], address=None, city=o["city"], country=o["country"], notes=None,
                    created=min(base, o["created_at"] + timedelta(days=r.randint(5, 300), minutes=r.randrange(600)))),
                [], original.culture, company=original.company, dup_of=original)
        people.append(g)
    people.sort(key=lambda g: g.row["created_at"])

    # 3. write, as the importer does: ids reserved up front, one driver-level executemany per
    # table, the search index filled in one statement at the end rather than by row triggers
    table = Contact.__table__
    everyone = companies + people
    for g, cid in zip(everyone, reserve_ids(s, table, len(everyone))):
        g.id = cid
        g.row["id"] = cid
    for p in people:
        if p.company is not None:
            p.row["company_id"] = p.company.id
    chunk = 20_000
    with bulk_search_index(s, "contacts"):
        for i in range(0, len(everyone), chunk):
            part = everyone[i:i + chunk]
            bulk_insert(s, table, [g.row for g in part])
            report(total // 2 + (i + len(part)) * 2 // 5, total)
    tag_rows = [{"contact_id": g.id, "tag": t} for g in everyone for t in g.tags]
    bulk_insert(s, ContactTag.__table__, tag_rows)

    activities = []
    kinds = ("call", "email", "meeting", "note")
    texts_by = {(k, cn): [t for t in ACTIVITY_TEXT[k] if _has_cjk(t) == cn] for k in kinds for cn in (False, True)}
    for g in everyone:
        row_ = g.row
        if g.dup_of is not None or g is ours:
            continue
        busy = row_["is_customer"] or row_["is_lead"]
        n = r.choices((0, 1, 2, 3, 4, 5), weights=(25, 25, 20, 14, 9, 7) if busy else (60, 25, 10, 5, 0, 0))[0]
        if row_["is_employee"]:
            n = 0
        if not n:
            continue
        created = row_["created_at"]
        span = max(0.01, (base - created).total_seconds() / 86400)
        for _ in range(n):
            kind = r.choices(kinds, weights=(35, 30, 15, 20))[0]
            cn = g.culture == "cn"
            texts = texts_by[(kind, cn)]
            if row_["is_supplier"] and not busy:
                author = r.choice(accounts + [owner])
            elif kind == "call" and r.random() < 0.3:
                author = r.choice(support)
            else:
                author = r.choice(sales + sales + [owner])
            when = m.when(span, 0)
            if when < created:
                when = created
            activities.append({
                "contact_id": g.id, "kind": kind, "subject": r.choice(texts),
                "body": r.choice(ACTIVITY_BODIES[cn]), "occurred_at": when, "author": author,
                "created_at": when,
            })
    activities.sort(key=lambda a: (a["contact_id"], a["occurred_at"]))
    bulk_insert(s, Activity.__table__, activities)

    ids = sorted(g.id for g in everyone)
    made = {
        "contacts": len(everyone),
        "companies": len(companies),
        "activities": len(activities),
        "tags": len(tag_rows),
    }
    audit.record_many(s, [audit.Change("contacts", f"{ids[0]}-{ids[-1]}", "insert", {
        **{what: [None, n] for what, n in made.items()},
        "source": [None, f"demo {size}, seed {seed}"],
    })])
    report(total, total)
    return {
        "users": added_users,
        **made,
        "likely duplicates": n_dup_people + n_dup_companies,
    }
