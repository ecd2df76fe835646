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
