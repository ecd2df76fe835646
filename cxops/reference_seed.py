"""Reference data from PRODUCT.md (and seed 002 for segments): codes, Chinese and English names."""

from __future__ import annotations

PRODUCTS = [
    # code, 中文, English, lifecycle phase
    ("hk-macau-multi-number", "港澳一卡多号", "HK/Macau multi-number card", "introduction"),
    ("fetion", "飞信", "Fetion", "growth"),
    ("mail-139", "139邮箱", "139 Mail", "growth"),
    ("ringback-tone", "彩铃", "Ring-back tone", "maturity"),
    ("mms", "彩信", "MMS", "maturity"),
    ("video-call", "可视电话", "Video call", "introduction"),
    ("web-hall", "网上营业厅", "Online business hall", "growth"),
    ("tariffs", "通信费/资费", "Communication fees and tariffs", "maturity"),
    ("mobile-data", "手机上网", "Mobile data", "growth"),
    ("sms", "短信", "SMS", "decline"),
]

CHANNELS = [
    ("hotline-10086", "10086热线", "10086 hotline"),
    ("store", "实体营业厅", "Store"),
    ("web-hall", "网上营业厅", "Web hall"),
    ("sms-hall", "短信营业厅", "SMS hall"),
    ("wap", "WAP", "WAP"),
    ("app", "掌上营业厅", "Mobile app"),
    ("wechat", "微信营业厅", "WeChat hall"),
    ("account-manager", "客户经理", "Account manager"),
    ("kiosk", "自助终端", "Self-service kiosk"),
    ("social-channel", "社会渠道", "Social channel"),
    ("web-forum", "网站论坛", "Web forum"),
    ("mail-139", "139邮箱", "139 Mail"),
    ("recharge-platform", "充值平台", "Recharge platform"),
    ("mobile-mall", "移动商城", "Mobile mall"),
    ("ota", "OTA", "OTA"),
]

SEGMENTS = [
    ("new-subscriber", "新入网用户", "New subscriber"),
    ("high-value", "高价值用户", "High value"),
    ("high-traffic", "高流量用户", "High traffic"),
    ("tariff-sensitive", "资费敏感用户", "Tariff-sensitive"),
    ("complaint-sensitive", "投诉敏感用户", "Complaint-sensitive"),
    ("churn-risk", "离网风险用户", "Churn risk"),
    ("roaming", "漫游用户", "Frequent roamer"),
    ("group-customer", "集团客户", "Corporate customer"),
    ("student", "校园用户", "Student"),
    ("senior", "老年用户", "Senior"),
    ("rural", "农村用户", "Rural"),
    ("cross-border", "跨境用户", "Cross-border traveller"),
]

# Regions: the province and its 21 prefecture-level cities (地市), codes in pinyin.
PROVINCE = ("guangdong", "广东省", "Guangdong")
CITIES = [
    ("guangzhou", "广州市", "Guangzhou"),
    ("shenzhen", "深圳市", "Shenzhen"),
    ("zhuhai", "珠海市", "Zhuhai"),
    ("shantou", "汕头市", "Shantou"),
    ("foshan", "佛山市", "Foshan"),
    ("shaoguan", "韶关市", "Shaoguan"),
    ("zhanjiang", "湛江市", "Zhanjiang"),
    ("zhaoqing", "肇庆市", "Zhaoqing"),
    ("jiangmen", "江门市", "Jiangmen"),
    ("maoming", "茂名市", "Maoming"),
    ("huizhou", "惠州市", "Huizhou"),
    ("meizhou", "梅州市", "Meizhou"),
    ("shanwei", "汕尾市", "Shanwei"),
    ("heyuan", "河源市", "Heyuan"),
    ("yangjiang", "阳江市", "Yangjiang"),
    ("qingyuan", "清远市", "Qingyuan"),
    ("dongguan", "东莞市", "Dongguan"),
    ("zhongshan", "中山市", "Zhongshan"),
    ("chaozhou", "潮州市", "Chaozhou"),
    ("jieyang", "揭阳市", "Jieyang"),
    ("yunfu", "云浮市", "Yunfu"),
]
# Abbreviations source systems use for a city (the two-letter initials of its pinyin name);
# names with and without 市 and the codes are recognised anyway.
CITY_ABBREVIATIONS = {
    "GZ": "guangzhou",
    "SZ": "shenzhen",
    "ZH": "zhuhai",
    "ST": "shantou",
    "FS": "foshan",
    "SG": "shaoguan",
    "ZJ": "zhanjiang",
    "ZQ": "zhaoqing",
    "JM": "jiangmen",
    "MM": "maoming",
    "HZ": "huizhou",
    "MZ": "meizhou",
    "SW": "shanwei",
    "HY": "heyuan",
    "YJ": "yangjiang",
    "QY": "qingyuan",
    "DG": "dongguan",
    "ZS": "zhongshan",
    "CZ": "chaozhou",
    "JY": "jieyang",
    "YF": "yunfu",
    "GD": "guangdong",
}

# How much of the province's traffic each city brings (demo data and benchmarks): roughly the
# cities' mobile subscribers, Guangzhou, Shenzhen and Dongguan the largest.
CITY_WEIGHTS = {
    "guangzhou": 17.0,
    "shenzhen": 16.0,
    "dongguan": 10.0,
    "foshan": 9.0,
    "huizhou": 5.0,
    "zhanjiang": 5.0,
    "shantou": 4.5,
    "jieyang": 4.0,
    "maoming": 4.0,
    "zhongshan": 4.0,
    "jiangmen": 4.0,
    "zhaoqing": 3.0,
    "qingyuan": 3.0,
    "meizhou": 3.0,
    "zhuhai": 2.5,
    "shaoguan": 2.0,
    "heyuan": 2.0,
    "yangjiang": 2.0,
    "chaozhou": 2.0,
    "shanwei": 2.0,
    "yunfu": 1.5,
}
