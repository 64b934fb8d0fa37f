"""Cleaning what people type: names, emails (email-validator), phones (phonenumbers), tags."""

from __future__ import annotations

import re
import unicodedata

from bizsuite.core.errors import FieldError
from bizsuite.core.parsing import BadText, text_problem
from bizsuite.core.parsing import clean_text as core_clean_text

_SPACES = re.compile(r"\s+")
_PUNCT = re.compile(r"[^\w\s]", re.UNICODE)
LEGAL_SUFFIXES = {
    "inc", "incorporated", "ltd", "limited", "llc", "gmbh", "co", "corp", "corporation",
    "company", "plc", "sa", "ag", "bv", "pty", "srl", "kk",
}
CJK_SUFFIXES = ("有限责任公司", "股份有限公司", "有限公司", "公司")


def clean_text(value: str | None, *, limit: int, field: str, errors: list[FieldError], multiline: bool = False,
               tabs: bool | None = None) -> str | None:
    """Text as typed, NFC-normalised, through the core's one text rule (core.parsing.clean_text:
    no control characters or bidi overrides; line breaks only when ``multiline``); a refusal is
    collected in ``errors`` under ``field``. Empty text is None."""
    if value is None:
        return None
    try:
        text = core_clean_text(unicodedata.normalize("NFC", value), field, multiline=multiline, limit=limit,
                               tabs=tabs)
    except BadText as exc:
        errors.append(FieldError(field, exc.problems[0].split(": ", 1)[1]))
        return None
    return text or None


def clean_name(value: str | None, errors: list[FieldError]) -> str:
    # white space, line breaks included, is collapsed to one space: the stored name is one line
    text = clean_text(value, limit=200, field="name", errors=errors, multiline=True, tabs=True)
    if text is None:
        if not any(e.field == "name" for e in errors):
            errors.append(FieldError("name", "is required"))
        return ""
    return _SPACES.sub(" ", text)


def sort_key(name: str) -> str:
    return unicodedata.normalize("NFKC", name).casefold().strip()


def name_key(name: str) -> str:
    """A name for duplicate detection: no case, punctuation or legal suffixes."""
    text = sort_key(name)
    for suffix in CJK_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            text = text[: -len(suffix)]
            break
    words = [w for w in _PUNCT.sub(" ", text).split() if w not in LEGAL_SUFFIXES]
    return " ".join(words) or text


# A strict subset of what email-validator accepts, for the common case: plain ASCII addresses.
# Anything that does not match goes to email-validator itself (a property test keeps the two
# in agreement), so imports do not spend 20 µs a row on addresses that are obviously fine.
_SIMPLE_EMAIL = re.compile(
    r"^(?=.{6,254}$)(?=[^@]{1,64}@)"
    r"[a-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[a-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+([a-z]{2,63})$"
)


def _special_tlds() -> set[str]:
    from email_validator import SPECIAL_USE_DOMAIN_NAMES

    return {d for d in SPECIAL_USE_DOMAIN_NAMES}


_SPECIAL: set[str] | None = None


def _special_use(domain: str, special: set[str]) -> bool:
    """Whether ``domain`` is, or is under, a special-use name (``test``, ``home.arpa``…)."""
    labels = domain.split(".")
    return any(".".join(labels[i:]) in special for i in range(len(labels)))


def clean_email(value: str | None, errors: list[FieldError]) -> str | None:
    global _SPECIAL
    if value is None or not value.strip():
        return None
    text = value.strip().lower()
    m = _SIMPLE_EMAIL.match(text)
    if m:
        if _SPECIAL is None:
            _SPECIAL = _special_tlds()
        domain = text.rsplit("@", 1)[1]
        if "--" not in domain and not _special_use(domain, _SPECIAL):
            return text
    from email_validator import EmailNotValidError, validate_email

    try:
        result = validate_email(value.strip(), check_deliverability=False)
    except EmailNotValidError as exc:
        errors.append(FieldError("email", f"{value.strip()!r} is not a valid address ({exc})"))
        return None
    return result.normalized.lower()


# The two shapes most of our users' phone columns hold, whose E.164 form the library would give
# without looking further: North American numbers as they are written there ("(212) 555-0123",
# "+1 415 555 0123") and Chinese mobile numbers ("+86 138 0013 8000"). Like the email fast path,
# a strict subset of what phonenumbers accepts, kept so by a property test; everything else goes
# to phonenumbers itself. An import of 100k contacts spends a second less on it.
_NANP = re.compile(r"(\+1[ .-]?|1[ .-]?)?(?:\(([2-9][0-9]{2})\) ?|([2-9][0-9]{2})[ .-]?)"
                   r"([2-9][0-9]{2})[ .-]?([0-9]{4})", re.ASCII)
_CN_MOBILE = re.compile(r"(\+86[ -]?)?(1[3-9][0-9])[ -]?([0-9]{4})[ -]?([0-9]{4})", re.ASCII)
_NANP_REGIONS = {"US", "CA"}


def _fast_phone(raw: str, region: str) -> str | None:
    m = _NANP.fullmatch(raw)
    if m:
        prefix, area_p, area, exchange, line = m.groups()
        if (prefix and prefix.startswith("+")) or region in _NANP_REGIONS:
            return f"+1{area_p or area}{exchange}{line}"
        return None
    m = _CN_MOBILE.fullmatch(raw)
    if m and (m.group(1) or region == "CN"):
        return "+86" + "".join(m.groups()[1:])
    return None


def _read_phone(raw: str, region: str | None) -> str | None:
    """E.164 for ``raw`` read as a number of ``region`` (None: it must carry its +country code)."""
    fast = _fast_phone(raw, region or "")
    if fast:
        return fast
    import phonenumbers

    try:
        number = phonenumbers.parse(raw, region or None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


UNREADABLE_PHONE = "is not a phone number we can read"
_E164 = re.compile(r"\+[1-9][0-9]{1,14}", re.ASCII)


def clean_phone(value: str | None, region: str, errors: list[FieldError], *,
                country: str | None = None, warnings: list[str] | None = None) -> str | None:
    """Normalise to E.164 (``+14155550123``). A number without a +country code is read as one
    of the contact's own ``country`` (a code or a name: ``CN``, ``China``, ``中国``), then as one
    of ``region`` (the books' default).

    A number that still cannot be read is an error — unless ``warnings`` is given (imports):
    then it is kept as typed (see :func:`phone_verified`) and a warning is appended instead.
    """
    if value is None or not value.strip():
        return None
    raw = value.strip()
    region = region.upper() if region else region
    own = country_region(country)
    regions = [own, region] if own and own != region else [region]
    for r in regions:
        e164 = _read_phone(raw, r)
        if e164:
            return e164
    if warnings is not None:
        typed = clean_text(raw, limit=32, field="phone", errors=errors)
        if typed is not None:
            warnings.append(f"phone: {raw!r} {UNREADABLE_PHONE}; kept as typed")
        return typed
    where = " or ".join(r for r in regions if r)
    errors.append(FieldError("phone", f"{raw!r} {UNREADABLE_PHONE}"
                             + (f" as a number of {where}" if where else "")
                             + "; give it with its +country code"))
    return None


def phone_verified(stored: str | None) -> bool:
    """Whether a stored phone is a number we read (E.164), not one kept as typed by an import."""
    if not stored or not _E164.fullmatch(stored):
        return False
    import phonenumbers

    try:
        return phonenumbers.is_possible_number(phonenumbers.parse(stored, None))
    except phonenumbers.NumberParseException:
        return False


def format_phone(stored: str | None) -> str:
    """International format for display (``+1 415-555-0123``); a number kept as typed as typed."""
    if not stored:
        return ""
    if not _E164.fullmatch(stored):
        return stored
    import phonenumbers

    try:
        return phonenumbers.format_number(
            phonenumbers.parse(stored, None), phonenumbers.PhoneNumberFormat.INTERNATIONAL
        )
    except phonenumbers.NumberParseException:
        return stored


def phone_search_text(stored: str | None) -> str:
    """A phone in search text: its digits (search by a phone number searches by its digits)."""
    if not stored:
        return ""
    if stored[0] == "+" and stored[1:].isdigit():
        return stored[1:]
    return "".join(ch for ch in stored if ch.isdigit()) or stored


# -- countries ----------------------------------------------------------------------------------
# ISO 3166 codes of the regions phone numbers are read for, each with the names people write in a
# country column: English, Chinese, the country's own languages, and the usual short forms. The
# English, Chinese and native names come from the CLDR data phonenumbers carries (its geocoder's
# locale table, far too slow to import per process: a second); the short forms are our own.
COUNTRIES = """
AC Ascension Island
AD Andorra; 安道尔
AE United Arab Emirates; 阿拉伯联合酋长国; الإمارات; UAE
AF Afghanistan; 阿富汗
AG Antigua and Barbuda; 安提瓜和巴布达
AI Anguilla; 安圭拉
AL Albania; 阿尔巴尼亚; Shqipëria
AM Armenia; 亚美尼亚
AO Angola; 安哥拉
AR Argentina; 阿根廷
AS American Samoa; 东萨摩亚
AT Austria; 奥地利; Österreich; AUT
AU Australia; 澳大利亚; AUS
AW Aruba; 阿鲁巴
AX Åland Islands; 奥兰群岛
AZ Azerbaijan; 阿塞拜疆
BA Bosnia and Herzegovina; 波斯尼亚和黑山共和国
BB Barbados; 巴巴多斯
BD Bangladesh; 孟加拉
BE Belgium; 比利时; België; Belgique; Belgien; BEL
BF Burkina Faso; 布基纳法索
BG Bulgaria; 保加利亚; България
BH Bahrain; 巴林
BI Burundi; 布隆迪
BJ Benin; 贝宁
BL Saint Barthélemy; 圣巴泰勒米岛
BM Bermuda; 百慕大
BN Brunei; 文莱
BO Bolivia; 玻利维亚
BQ Bonaire, Sint Eustatius and Saba; 博奈尔岛, 圣尤斯特歇斯岛和萨巴岛
BR Brazil; 巴西; Brasil; BRA
BS Bahamas; 巴哈马
BT Bhutan; 不丹
BW Botswana; 博茨瓦纳
BY Belarus; 白俄罗斯; Беларусь
BZ Belize; 伯里兹
CA Canada; 加拿大; CAN
CC Cocos Islands; 科库斯群岛
CD The Democratic Republic Of Congo; 刚果民主共和国
CF Central African Republic; 中非共和国
CG Congo; 刚果
CH Switzerland; 瑞士; Schweiz; Suisse; Svizzera; CHE
CI Côte d'Ivoire; 象牙海岸; Ivory Coast
CK Cook Islands; 库克群岛
CL Chile; 智利
CM Cameroon; 喀麦隆
CN China; 中国; CHN; PRC; PR China; People's Republic of China; Mainland China; China Mainland; 中國; 中华人民共和国; 中国大陆
CO Colombia; 哥伦比亚
CR Costa Rica; 哥斯达黎加
CU Cuba; 古巴
CV Cape Verde; 佛得角
CW Curaçao; 库拉索岛
CX Christmas Island; 圣诞岛
CY Cyprus; 塞浦路斯
CZ Czech Republic; 捷克共和国; Česká republika; Czechia
DE Germany; 德国; Deutschland; DEU; Federal Republic of Germany; 德國
DJ Djibouti; 吉布提
DK Denmark; 丹麦; Danmark
DM Dominica; 多米尼加联邦
DO Dominican Republic; 多米尼加共和国; República Dominicana
DZ Algeria; 阿尔及利亚; الجزائر; Algérie
EC Ecuador; 厄瓜多尔
EE Estonia; 爱沙尼亚; Eesti
EG Egypt; 埃及; مصر
EH Western Sahara; 西撒哈拉
ER Eritrea; 厄里特尼亚
ES Spain; 西班牙; España; ESP
ET Ethiopia; 埃塞俄比亚
FI Finland; 芬兰; Suomi
FJ Fiji; 斐济
FK Falkland Islands; 富克兰群岛
FM Micronesia; 密克罗尼西亚
FO Faroe Islands; 法罗群岛
FR France; 法国; FRA; 法國
GA Gabon; 加蓬
GB United Kingdom; 英国; UK; GBR; Great Britain; Britain; England; Scotland; Wales; Northern Ireland; 英國; 大不列颠
GD Grenada; 格林纳达
GE Georgia; 格鲁吉亚
GF French Guiana; 法属圭亚那
GG Guernsey; 格恩西岛
GH Ghana; 加纳
GI Gibraltar; 直布罗陀
GL Greenland; 格陵兰
GM Gambia; 冈比亚
GN Guinea; 几内亚
GP Guadeloupe; 瓜德罗普岛
GQ Equatorial Guinea; 赤道几内亚
GR Greece; 希腊; Ελλάδα
GT Guatemala; 危地马拉
GU Guam; 关岛
GW Guinea-Bissau; 几内亚比绍共和国
GY Guyana; 圭亚那
HK Hong Kong; 香港; HKG; Hong Kong SAR; Hongkong; 中国香港; 香港特别行政区
HN Honduras; 洪都拉斯
HR Croatia; 克罗地亚; Hrvatska
HT Haiti; 海地
HU Hungary; 匈牙利; Magyarország
ID Indonesia; 印度尼西亚; IDN
IE Ireland; 爱尔兰; Éire; IRL; Eire
IL Israel; 以色列; ישראל
IM Isle Of Man; 曼岛
IN India; 印度; भारत; IND
IO British Indian Ocean Territory; 英属印度洋领地
IQ Iraq; 伊拉克
IR Iran; 伊朗
IS Iceland; 冰岛; Ísland
IT Italy; 意大利; Italia; ITA
JE Jersey; 泽西岛
JM Jamaica; 牙买加
JO Jordan; 约旦; الأردن
JP Japan; 日本; JPN; Nippon
KE Kenya; 肯尼亚
KG Kyrgyzstan; 吉尔吉克斯坦
KH Cambodia; 柬埔寨
KI Kiribati; 基里巴斯
KM Comoros; 科摩罗
KN Saint Kitts And Nevis; 圣基茨和尼维斯
KP North Korea; 朝鲜; DPRK
KR South Korea; 韩国; 대한민국; KOR; Korea; Republic of Korea; 한국; 南韩; 韓國
KW Kuwait; 科威特; الكويت
KY Cayman Islands; 开曼群岛
KZ Kazakhstan; 哈萨克斯坦; Казахстан
LA Laos; 老挝
LB Lebanon; 黎巴嫩; لبنان
LC Saint Lucia; 圣卢西亚
LI Liechtenstein; 列支敦士登
LK Sri Lanka; 斯里兰卡
LR Liberia; 利比里亚
LS Lesotho; 莱索托
LT Lithuania; 立陶宛; Lietuva
LU Luxembourg; 卢森堡; Luxemburg
LV Latvia; 拉脱维亚; Latvija
LY Libya; 利比亚
MA Morocco; 摩洛哥; المغرب; Maroc
MC Monaco; 摩纳哥
MD Moldova; 摩尔多瓦
ME Montenegro; 黑山
MF Saint Martin; 圣马丁
MG Madagascar; 马达加斯加
MH Marshall Islands; 马绍尔群岛
MK Macedonia; 马其顿王国; Македонија
ML Mali; 马里
MM Myanmar; 缅甸
MN Mongolia; 蒙古
MO Macao; 澳门特区; MAC; Macau; 澳門; 中国澳门
MP Northern Mariana Islands; 美属北马里亚纳群岛
MQ Martinique; 马提尼克岛
MR Mauritania; 毛里塔尼亚
MS Montserrat; 蒙特塞拉群岛
MT Malta; 马耳他
MU Mauritius; 毛里求斯
MV Maldives; 马尔代夫
MW Malawi; 马拉维
MX Mexico; 墨西哥; México; MEX
MY Malaysia; 马来西亚; MYS
MZ Mozambique; 莫桑比克
NA Namibia; 纳米比亚
NC New Caledonia; 新克里多尼亚群岛
NE Niger; 尼日尔
NF Norfolk Island; 诺福克岛
NG Nigeria; 尼日利亚
NI Nicaragua; 尼加拉瓜
NL Netherlands; 荷兰; Nederland; NLD; Holland; The Netherlands
NO Norway; 挪威; Norge
NP Nepal; 尼泊尔
NR Nauru; 瑙鲁
NU Niue; 纽埃岛
NZ New Zealand; 新西兰; NZL
OM Oman; 阿曼
PA Panama; 巴拿马; Panamá
PE Peru; 秘鲁; Perú
PF French Polynesia; 法属玻利尼西亚
PG Papua New Guinea; 巴布亚新几内亚
PH Philippines; 菲律宾; PHL
PK Pakistan; 巴基斯坦
PL Poland; 波兰; Polska; POL
PM Saint Pierre And Miquelon; 圣皮埃尔和密克隆群岛
PR Puerto Rico; 波多黎哥
PS Palestine; 巴勒斯坦
PT Portugal; 葡萄牙
PW Palau; 帕劳
PY Paraguay; 巴拉圭
QA Qatar; 卡塔尔; قطر
RE Reunion; 留尼汪岛
RO Romania; 罗马尼亚; România
RS Serbia; 塞尔维亚
RU Russia; 俄罗斯; Россия; RUS; Russian Federation
RW Rwanda; 卢旺达
SA Saudi Arabia; 沙特阿拉伯; السعودية
SB Solomon Islands; 所罗门群岛
SC Seychelles; 塞舌尔群岛
SD Sudan; 苏丹
SE Sweden; 瑞典; Sverige; SWE
SG Singapore; 新加坡; SGP
SH Saint Helena; 圣赫勒拿岛
SI Slovenia; 斯洛文尼亚; Slovenija
SJ Svalbard And Jan Mayen; 斯瓦尔巴特和扬马延岛
SK Slovakia; 斯洛伐克; Slovenská republika
SL Sierra Leone; 塞拉里昂
SM San Marino; 圣马力诺
SN Senegal; 塞内加尔
SO Somalia; 索马里
SR Suriname; 苏里南
SS South Sudan; 南苏丹
ST Sao Tome And Principe; 圣多美和普林西比
SV El Salvador; 萨尔瓦多
SX Sint Maarten (Dutch part); 荷属圣马丁岛
SY Syria; 叙利亚
SZ Swaziland; 斯威士兰
TA Tristan da Cunha
TC Turks And Caicos Islands; 特克斯群岛和凯科斯群岛
TD Chad; 乍得
TG Togo; 多哥
TH Thailand; 泰国; ประเทศไทย; THA
TJ Tajikistan; 塔吉克斯坦
TK Tokelau; 联合群岛
TL Timor-Leste; 东帝汶
TM Turkmenistan; 土库曼斯坦
TN Tunisia; 突尼斯; تونس; Tunisie
TO Tonga; 汤加
TR Turkey; 土耳其; Türkiye; TUR
TT Trinidad and Tobago; 特立尼达和多巴哥
TV Tuvalu; 图瓦卢
TW Taiwan; 台湾地区; TWN; 台湾; 台灣; 臺灣; 中華民國
TZ Tanzania; 坦桑尼亚
UA Ukraine; 乌克兰; Україна
UG Uganda; 乌干达
US United States; 美国; USA; US of A; America; United States of America; 美國; 美利坚合众国
UY Uruguay; 乌拉圭
UZ Uzbekistan; 乌兹别克斯坦
VA Vatican; 梵蒂冈
VC Saint Vincent And The Grenadines; 圣文森特和格林纳丁斯
VE Venezuela; 委内瑞拉
VG British Virgin Islands; 英属维京群岛
VI U.S. Virgin Islands; 美属维京群岛
VN Vietnam; 越南; Việt Nam; VNM; Viet Nam
VU Vanuatu; 瓦努阿图
WF Wallis And Futuna; 瓦利斯群岛和富图纳群岛
WS Samoa; *zh
XK Kosovo; Kosova
YE Yemen; 也门
YT Mayotte; 马约特岛
ZA South Africa; 南非; ZAF
ZM Zambia; 赞比亚
ZW Zimbabwe; 津巴布韦
"""

_COUNTRY_KEY_DROP = re.compile(r"[.\u00b7]")


def _country_key(text: str) -> str:
    key = " ".join(_COUNTRY_KEY_DROP.sub("", unicodedata.normalize("NFKC", text)).casefold().split())
    return key[4:] if key.startswith("the ") else key


def _country_table() -> dict[str, str]:
    table: dict[str, str] = {}
    for line in COUNTRIES.strip().splitlines():
        code, _, names = line.partition(" ")
        table[code.casefold()] = code
        for name in names.split(";"):
            if name.strip():
                table.setdefault(_country_key(name), code)
    return table


_COUNTRY_TABLE: dict[str, str] | None = None
_COUNTRY_SEEN: dict[str, str | None] = {}  # as written → code: imports repeat a handful of spellings


def country_region(country: str | None) -> str | None:
    """The ISO 3166 code of a country as people write it (``CN``, ``China``, ``中国``,
    ``Deutschland``, ``USA``, ``UK``…), or None when it names none we know."""
    global _COUNTRY_TABLE
    if not country:
        return None
    try:
        return _COUNTRY_SEEN[country]
    except KeyError:
        pass
    if _COUNTRY_TABLE is None:
        _COUNTRY_TABLE = _country_table()
    code = _COUNTRY_TABLE.get(_country_key(country))
    if len(_COUNTRY_SEEN) < 10_000:
        _COUNTRY_SEEN[country] = code
    return code


def clean_tags(values: list[str], errors: list[FieldError]) -> list[str]:
    out: list[str] = []
    for raw in values:
        why = text_problem(raw.replace("\r", "\n"), multiline=True, tabs=True)  # the core's one text rule
        if why:
            errors.append(FieldError("tags", f"tag {raw!r} {why}"))
            continue
        tag = _SPACES.sub(" ", unicodedata.normalize("NFC", raw).strip()).casefold()
        if not tag:
            continue
        if len(tag) > 50:
            errors.append(FieldError("tags", f"tag {raw!r} is longer than 50 characters"))
            continue
        if tag not in out:
            out.append(tag)
    return out


def split_multi(cell: str | None) -> list[str]:
    """Several roles or tags in one cell are separated by ``;`` (commas accepted too)."""
    if not cell:
        return []
    return [p.strip() for p in re.split(r"[;,]", cell) if p.strip()]


# Trigram indexes find substrings of three characters or more. Chinese names are often two or
# three characters and are searched by one or two ("王", "小明"), so every CJK character and
# pair of characters in the line is also written as a padded trigram ("王\ue000\ue000",
# "小明\ue000"). The pad is a private-use character nobody types, so it never matches by chance.
PAD = "\ue000"
_CJK_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def short_grams(text: str) -> list[str]:
    if text.isascii():
        return []
    grams: list[str] = []
    for run in _CJK_RUN.findall(text):
        grams.extend(ch + PAD + PAD for ch in run)
        grams.extend(run[i:i + 2] + PAD for i in range(len(run) - 1))
    return list(dict.fromkeys(grams))


def short_query(term: str) -> str | None:
    """The padded trigram for a one- or two-character CJK search term, else None."""
    if 0 < len(term) < 3 and _CJK_RUN.fullmatch(term):
        return term + PAD * (3 - len(term))
    return None


def search_text(*, name: str, company: str | None, email: str | None, phone: str | None,
                tags: list[str], city: str | None) -> str:
    """What search looks in: one lower-case line per contact, indexed by trigrams."""
    parts = [name, company or "", email or "", phone_search_text(phone), " ".join(sorted(tags)), city or ""]
    # one normalisation of the whole line (the parts are cleaned text, stripped, and " | " is a
    # boundary NFKC never composes across): the same text as keying each part, at a sixth of the cost
    line = sort_key(" | ".join(p for p in parts if p))
    grams = short_grams(line)
    return f"{line} | {' '.join(grams)}" if grams else line
