"""The broader telecom lexicon: the domain's products, fees, faults, channels and customer intents,
beyond the first set in `builtin_lexicon.py` (which this extends; same format, aliases separated by
` | `).  One concept per thing a fix or an answer differs for: 定向流量 is not 流量结转, 宽带装机 is
not 宽带拆机, 停机保号 is not 误停机.  Intent concepts (a question, praise) keep an enquiry from
being matched to a complaint that shares its nouns.

Written from the domain (China Mobile's products and the complaint types a 10086 hotline logs),
not from any one evaluation set's sentences.
"""

from __future__ import annotations

_DOMAIN: list[tuple[str, str, str, str]] = [
    # --- data -------------------------------------------------------------------------------------
    (
        "data_directed",
        "定向流量",
        "app-specific data",
        "定向流量 | 定向包 | 定向流量包 | 专属流量 | 专属流量包 | 免流 | 免流量 | 视频流量包 | 抖音流量 | 快手流量 | 腾讯视频流量 | 爱奇艺流量 | app专属 | directed data | zero-rated",
    ),
    (
        "data_rollover",
        "流量结转",
        "data rollover",
        "结转 | 流量结转 | 顺延 | 转到下个月 | 转入次月 | 下月继续用 | 剩余流量*下个月 | 剩下的流量 | 没用完的流量 | 剩余流量 | rollover | carry over",
    ),
    (
        "data_share",
        "流量共享",
        "shared data",
        "共享流量 | 流量共享 | 共享不了 | 副卡用不了主卡 | 流量分享 | shared data",
    ),
    (
        "data_speed_cap",
        "达量限速",
        "speed cap",
        "限速 | 达量限速 | 降速 | 被限速 | 网速被限 | 不限量 | 无限流量 | throttling | throttled",
    ),
    (
        "data_pack",
        "流量加油包",
        "data add-on",
        "加油包 | 流量加油包 | 叠加包 | 日包 | 流量日包 | 月包 | 半年包 | 流量券 | add-on",
    ),
    ("hotspot", "热点共享", "hotspot", "热点 | 个人热点 | 开热点 | 手机热点 | tethering | hotspot"),
    ("apn", "APN 设置", "APN", "apn | 接入点 | cmnet | cmwap | 网络设置"),
    # --- plans, contracts --------------------------------------------------------------------------
    (
        "auto_renew",
        "自动续订",
        "automatic renewal",
        "自动续订 | 自动续费 | 自动续约 | 默认续约 | 默认续订 | 续上了 | 到期续订 | 到期自动 | 给我续 | 续订 | 续约 | auto renew | auto-renew",
    ),
    (
        "takes_effect",
        "生效时间",
        "when a change takes effect",
        "次月生效 | 下月生效 | 下个月*生效 | 立即生效 | 当月生效 | 马上用 | 马上生效 | 什么时候生效 | 不能马上 | 1号才 | takes effect",
    ),
    (
        "not_working",
        "不起作用",
        "does not work",
        "不生效 | 没生效 | 没有生效 | 不起作用 | 没起作用 | 不管用 | 没用 | 没作用 | 不好使 | does not work",
    ),
    ("expiry", "到期", "expiry", "到期 | 过期 | 优惠期结束 | 活动结束 | 期满 | 失效 | expire | expired"),
    (
        "early_termination",
        "提前解约",
        "early termination",
        "提前解约 | 解约 | 违约 | 解除合约 | 毁约 | break contract",
    ),
    (
        "price_change",
        "资费调整",
        "price change",
        "涨价 | 资费上调 | 调价 | 变贵 | 资费调整 | 价格变了 | price increase",
    ),
    (
        "minimum_spend",
        "保底消费",
        "minimum spend",
        "保底消费 | 最低消费 | 低消 | 承诺消费 | 保底 | minimum spend",
    ),
    (
        "package_price_high",
        "资费贵",
        "too expensive",
        "太贵 | 贵了 | 不划算 | 价格高 | 资费高 | 费用高 | 收费高 | 费用太高 | 扣好几十 | 扣太多 | expensive | too much",
    ),
    # --- fees and billing ----------------------------------------------------------------------------
    (
        "function_fee",
        "功能费",
        "feature fee",
        "功能费 | 月功能费 | 业务费 | 包月费 | 信息费 | 月费 | feature fee",
    ),
    ("deposit", "押金", "deposit", "押金 | 保证金 | 预存 | 预存款 | 预交 | deposit"),
    (
        "equipment_rent",
        "设备租赁费",
        "equipment rental",
        "租赁费 | 租用费 | 租金 | 设备费 | 使用费 | 光猫费 | 机顶盒费 | 调测费 | 终端费 | 设备押金 | rental",
    ),
    ("overdue", "欠费", "arrears", "欠费 | 欠钱 | 欠了 | 负数 | 余额不足 | 透支 | arrears | overdue"),
    (
        "balance_wrong",
        "余额不准",
        "wrong balance",
        "余额不对 | 余额显示错误 | 余额不准 | 对不上 | 不一样 | 显示错误 | 显示不对 | 数据不准 | 跟实际*不 | mismatch | wrong balance",
    ),
    (
        "balance_refund",
        "余额退还",
        "balance refund",
        "余额不给退 | 余额退 | 余额没退 | 退余额 | 剩下的话费 | 预存的*钱 | 剩余话费*退 | 余额*退 | 钱没退 | 没退回",
    ),
    (
        "bill_query",
        "查询账单",
        "bill enquiry",
        "查话费 | 查账单 | 查余额 | 查询话费 | 查询余额 | 话费查询 | 通话记录 | 通话详单 | 上网详单 | check balance",
    ),
    (
        "keep_number",
        "停机保号",
        "number retention",
        "停机保号 | 保号 | 保号费 | 保留号码 | 号码保留 | 留号 | 养号 | keep number | number retention",
    ),
    (
        "wrong_suspend",
        "误停机",
        "suspended in error",
        "误停 | 错停 | 无故停机 | 没欠费*停 | 不欠费*停 | 没欠费 | 有钱*停机 | 还有钱*停 | 余额*还有*停 | 明明*还有 | 被停机*余额 | 突然停机 | wrongly suspended",
    ),
    ("credit_limit", "信用额度", "credit limit", "信用额度 | 信用度 | 透支额度 | 信控 | 额度 | credit limit"),
    # --- broadband and home --------------------------------------------------------------------------
    (
        "broadband_install",
        "宽带装机",
        "broadband installation",
        "装宽带 | 宽带安装 | 新装宽带 | 宽带装机 | 安装宽带 | 宽带报装 | 预约安装 | 上门安装 | 没人来装 | 给我安装 | 装机 | 迟迟不上门 | 不上门 | 没人上门 | 约好*来装 | install broadband",
    ),
    (
        "broadband_cancel",
        "宽带拆机",
        "broadband cancellation",
        "拆机 | 宽带拆机 | 宽带销户 | 宽带注销 | 注销宽带 | 宽带停了 | 把宽带停 | 宽带拆了 | 停宽带 | 退宽带 | 宽带退订 | cancel broadband",
    ),
    (
        "broadband_renew",
        "宽带续费",
        "broadband renewal",
        "宽带续费 | 续费宽带 | 宽带到期 | 宽带续约 | renew broadband",
    ),
    (
        "wifi_coverage",
        "WiFi 覆盖",
        "Wi-Fi coverage",
        "wifi弱 | wifi很弱 | wifi信号 | 无线信号 | 搜不到*wifi | wifi覆盖 | 覆盖不到 | 房间*没*信号 | 屋子*没 | 离路由器远 | 穿墙 | 别的屋 | 组网 | mesh | fttr | 全屋wifi | wifi coverage",
    ),
    (
        "modem",
        "光猫/路由器",
        "modem and router",
        "光猫 | 路由器 | 路由 | 网关 | 组网设备 | onu | router | modem",
    ),
    (
        "fixed_line",
        "固定电话",
        "landline",
        "固话 | 固定电话 | 座机 | 家里电话 | 办公电话 | landline | fixed line",
    ),
    (
        "smart_home",
        "智慧家庭",
        "smart home",
        "家庭摄像头 | 看家 | 和目 | 摄像头 | 智能门铃 | smart home | camera",
    ),
    # --- coverage and calls -----------------------------------------------------------------------
    (
        "indoor_coverage",
        "室内覆盖",
        "indoor coverage",
        "室内 | 屋里 | 家里*没信号 | 地下室 | 地下车库 | 车库 | 电梯 | 办公室里 | 楼里 | 小区信号 | 进门就没 | 室内覆盖 | indoor",
    ),
    (
        "call_drop",
        "掉话",
        "dropped calls",
        "掉话 | 通话中断 | 通话*断 | 自动挂断 | 电话断了 | 断线 | 电话*掉线 | call drop | dropped call",
    ),
    (
        "call_quality",
        "通话质量",
        "call quality",
        "听不清 | 杂音 | 回声 | 声音小 | 单通 | 对方听不到我 | 听不到对方 | 通话质量 | 有电流声 | echo | noise",
    ),
    (
        "no_service_abroad",
        "境外无服务",
        "no service abroad",
        "国外*没信号 | 境外*没信号 | 国外*无服务 | 出国*无服务 | 出国*没网 | 国外*上不了网 | 境外*上不了网 | 国外*打不了 | 在国外*用不了 | 漫游用不了 | 漫游*不能用 | 漫游*开了*没 | 在国外*没有网络 | no service abroad",
    ),
    (
        "roaming_pack",
        "漫游套餐",
        "roaming pack",
        "漫游包 | 漫游日包 | 漫游套餐 | 境外流量包 | 出境流量包 | 国际流量包 | 日包 | 多国包 | 出境包 | roaming pack",
    ),
    (
        "standard_rate",
        "标准资费",
        "standard rate",
        "标准资费 | 按标准 | 按流量扣 | 没按套餐 | 按原价 | 照样扣 | 还是扣 | 一样扣 | 还是按 | standard rate",
    ),
    # --- numbers, identity --------------------------------------------------------------------------
    (
        "identity_fraud",
        "冒名办理",
        "identity misuse",
        "冒名 | 冒用 | 盗用 | 被人用*身份证 | 别人用我的身份证 | 用我的身份证 | 名下*号 | 名下多了 | 我没办过 | 不是我办的 | 身份证下面 | 冒充 | identity theft",
    ),
    (
        "face_check",
        "人脸识别",
        "face verification",
        "人脸识别 | 人脸 | 刷脸 | 人脸比对 | 活体检测 | 核验 | 不是本人 | 比对 | face check | face verification",
    ),
    (
        "activation",
        "激活开卡",
        "activation",
        "激活 | 开卡 | 新卡激活 | 线上激活 | 网上办卡 | 首充 | activate | activation",
    ),
    (
        "verify_code",
        "验证码",
        "verification code",
        "验证码 | 动态码 | 校验码 | 短信验证 | 验证短信 | 动态密码 | otp | verification code",
    ),
    (
        "sms_receive",
        "收不到短信",
        "SMS not received",
        "收不到短信 | 短信收不到 | 收不了短信 | 短信接收不了 | 接收不了 | 收不到 | 没收到 | 没有收到 | 短信*没收到 | not received",
    ),
    (
        "sms_send",
        "发不出短信",
        "SMS not sent",
        "发不出短信 | 短信发不出 | 发送失败 | 短信发送失败 | 发不了短信 | cannot send",
    ),
    (
        "iot_card",
        "物联网卡",
        "IoT SIM",
        "物联网卡 | 物联卡 | iot卡 | iot | 定位器*卡 | 共享单车 | 车载卡 | 机卡分离 | 机卡绑定 | 工业卡 | m2m",
    ),
    (
        "device_swap",
        "换设备",
        "moved to another device",
        "换设备 | 换个设备 | 换到*上 | 插到别的 | 拔出来 | 换手机 | 另一台 | 机卡分离 | 换机 | swap device",
    ),
    (
        "watch_card",
        "儿童手表卡",
        "kids' watch SIM",
        "手表卡 | 电话手表 | 儿童手表 | 小天才 | 手表号 | 智能手表 | smartwatch",
    ),
    (
        "card_blocked",
        "停卡锁卡",
        "card blocked",
        "锁卡 | 停卡 | 被锁 | 卡被停 | 停用 | 被停用 | 封卡 | 封号 | blocked",
    ),
    (
        "number_cancelled_reuse",
        "二次放号",
        "recycled number",
        "二次放号 | 号码是别人的 | 前机主 | 之前的机主 | 绑定了别人 | recycled number",
    ),
    # --- porting ---------------------------------------------------------------------------------------
    (
        "porting_out",
        "携出",
        "ported out",
        "携出 | 转出去 | 转走了 | 转网走 | 转网到 | 转到电信 | 转到联通 | 转到广电 | 转网成功 | port out",
    ),
    (
        "porting_in",
        "携入",
        "ported in",
        "携入 | 转网过来 | 携转进来 | 携号转网过来 | 转过来的号码 | 换到移动 | port in",
    ),
    # --- value-added, content ----------------------------------------------------------------------
    (
        "ringback_set",
        "彩铃设置",
        "ringback setting",
        "设置彩铃 | 彩铃设置 | 设好了 | 换了新彩铃 | 设置的铃音 | 听不到音乐 | 嘟嘟声 | 对方听不到 | 别人听不到 | set ringback",
    ),
    (
        "opened_without_consent",
        "未经同意开通",
        "opened without consent",
        "未经同意 | 没经过我同意 | 我没同意 | 没同意 | 从来没订过 | 没订过 | 莫名开通 | 被开通 | 擅自开通 | 没办过 | 没有办理 | without consent",
    ),
    (
        "bundling",
        "捆绑搭售",
        "forced bundling",
        "捆绑 | 搭售 | 强制 | 强行 | 非得 | 非要 | 不买就不给 | 不办*就不给 | 必须加 | 强买强卖 | 捆绑销售 | bundling | tie-in",
    ),
    (
        "mis_selling",
        "误导销售",
        "mis-selling",
        "忽悠 | 推销 | 诱导 | 被骗 | 骗我 | 没说 | 没告诉 | 误导 | 不适合 | 用不了还 | mis-selling",
    ),
    (
        "gift_delivery",
        "礼品发货",
        "gift delivery",
        "发货 | 没发货 | 不发货 | 快递 | 物流 | 不寄 | 收不到礼品 | 实物 | 奖品 | 礼品 | 商品 | delivery | shipping",
    ),
    (
        "streaming_member",
        "视频会员",
        "video membership",
        "视频会员 | 腾讯视频 | 爱奇艺 | 优酷 | 芒果tv | 抖音 | 快手 | 会员权益 | video membership",
    ),
    # --- channels -------------------------------------------------------------------------------------
    (
        "queue",
        "排队等候",
        "queueing",
        "排队 | 排了*队 | 取号 | 等了很久 | 等了*小时 | 人太多 | 轮到 | 等候 | queue | waiting",
    ),
    (
        "app_crash",
        "App 闪退",
        "app crash",
        "闪退 | 崩溃 | 自动关闭 | 自动退出 | 直接退出 | 打开就退 | 点开就退 | 白屏 | 卡死 | 打不开app | crash | crashes",
    ),
    (
        "app_display",
        "App 显示",
        "app shows",
        "app上*显示 | app显示 | 掌厅显示 | 显示我 | 页面显示 | app上查 | app查的",
    ),
    ("update", "版本更新", "update", "更新后 | 升级后 | 新版本 | 更新了 | 版本更新 | update"),
    # --- intents (not a complaint's subject) -----------------------------------------------------------
    (
        "enquiry",
        "咨询",
        "enquiry",
        "咨询 | 询问 | 问一下 | 问下 | 请问 | 想知道 | 想了解 | 了解一下 | 想问 | 能不能帮忙 | 怎么订阅 | 怎么查询 | 哪里可以 | 在哪里 | 有没有*活动 | 多少钱一年 | 一年多少钱 | enquiry | ask",
    ),
    (
        "praise",
        "表扬",
        "praise",
        "表扬 | 感谢 | 点赞 | 服务热情 | 服务很好 | 服务好 | 很满意 | 非常满意 | 耐心 | 锦旗 | praise | thanks",
    ),
    (
        "repair_handset",
        "手机维修",
        "handset repair",
        "屏幕碎 | 碎屏 | 换屏 | 修手机 | 手机坏了 | 售后 | 保修 | handset repair",
    ),
    ("courier", "快递员", "courier", "快递员 | 送货 | 配送 | 派件 | courier"),
    ("bank_card", "银行卡", "bank card", "银行卡 | 信用卡 | 银行 | bank"),
    ("elderly", "老年人", "elderly", "老人 | 老年 | 老年机 | 老人机 | 父母 | 爸妈 | 老年卡 | elderly"),
    ("weather", "天气", "weather", "天气 | 天气预报 | weather"),
]

DOMAIN_CONCEPTS: list[tuple[str, str, str, list[str]]] = [
    (code, zh, en, [alias.strip() for alias in aliases.split("|") if alias.strip()])
    for code, zh, en, aliases in _DOMAIN
]

# A narrower concept also names its broader one: a text about 携出 shares "porting" with an issue
# titled 携号转网…, while two issues about 携出 and 携入 still differ by their narrower concept.
CONCEPT_PARENTS: dict[str, str] = {
    "data_directed": "data",
    "data_rollover": "data",
    "data_share": "data",
    "data_pack": "data",
    "data_speed_cap": "data",
    "broadband_install": "broadband",
    "broadband_cancel": "broadband",
    "broadband_renew": "broadband",
    "wifi_coverage": "broadband",
    "modem": "broadband",
    "indoor_coverage": "signal",
    "porting_out": "porting",
    "porting_in": "porting",
    "face_check": "real_name",
    "identity_fraud": "real_name",
    "verify_code": "sms",
    "sms_receive": "sms",
    "sms_send": "sms",
    "roaming_pack": "roaming",
    "no_service_abroad": "roaming",
    "keep_number": "suspend",
    "wrong_suspend": "suspend",
    "ringback_set": "ringback",
    "app_crash": "app",
    "app_display": "app",
    "iot_card": "sim_card",
    "watch_card": "sim_card",
    "function_fee": "fee_deduction",
    "equipment_rent": "fee_deduction",
    "auto_renew": "plan",
    "minimum_spend": "plan",
    "balance_wrong": "balance",
    "balance_refund": "refund",
    "streaming_member": "value_added",
    "opened_without_consent": "value_added",
}
