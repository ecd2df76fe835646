"""The third layer of the shipped lexicon: the rest of a 10086 hotline's complaint types and the
everyday words customers and agents use for the concepts the first two layers name.

Written area by area from the domain (the business lines of a China Mobile province: billing and
top-ups, packages, data, roaming, broadband and 魔百和, SIM and number life cycle, porting, 5G and
VoLTE, call features, SMS, points, the app, shops, installers, signal, family plans, suspension,
real-name, invoices) — not from any evaluation set's sentences.  Two kinds of entry:

- `MORE_ALIASES`: more names for concepts `builtin_lexicon.py` / `domain_lexicon.py` already
  have — colloquial forms (来显, 转圈, 登不进去), abbreviations (v网, hd), English;
- `TELECOM_CONCEPTS`: concepts the first layers lacked: the group network's short numbers, number
  tagging, call blocking, ownership transfer, out-of-area service, broadband speed and speed
  upgrades, moving broadband, top-up cards, installers' punctuality and extra charges, family
  network vs secondary cards, plan downgrade vs upgrade, and a few states a complaint is *about*
  across products (no notice given, a refusal, an operation that fails, something unusable).

Same format as `domain_lexicon.py` (aliases separated by ` | `, `*` a short gap).
"""

from __future__ import annotations

MORE_ALIASES: dict[str, str] = {
    "value_added": "subscription | subscribed | monthly subscription | add-on service",
    # --- data, speed, outages -------------------------------------------------------------------
    "data": "手机流量 | 4g流量 | 5g流量 | 流量卡 | 大流量 | 上网流量 | 手机上网 | 用流量 | 走流量 | 扣流量 | cellular data | data | data usage | mobile internet",
    "data_overuse": "超出套餐 | 套餐外流量 | 套外流量 | 超出部分 | 用超 | 超额 | 流量超标 | 超套 | 按gb收费 | 按g收费 | 超出的流量 | 流量超支 | 流量透支 | 多用了 | data overage | beyond the plan | over the plan | exceeded | extra data | out-of-plan",
    "slow_network": "转圈 | 一直转 | 缓冲 | 加载不出 | 刷不出来 | 网页打不开 | 卡顿 | 一卡一卡 | 很卡 | 太卡 | 卡得 | 网速差 | 网速太差 | 网络差 | 网不好 | 网速只有 | 速度只有 | 几十k | 网速不行 | 龟速 | slow internet",
    "network_down": "经常断 | 老断 | 总断 | 老掉线 | 总掉线 | 时好时坏 | 时断时续 | 隔一会就断 | 隔一会*连不上 | 掉网 | 网掉了 | 断开 | 连接不上 | 没网了 | 网没了 | 网络不稳定 | 不稳定 | disconnects | keeps dropping | disconnect | disconnection | outage | keeps dropping | drops out | cuts out",
    "data_share": "流量不能共享 | 不能共享 | 用不了主卡 | 不能用主卡 | 不能用主号 | 主副卡共享 | 共享主卡 | 一起用流量",
    "data_directed": "专属流量 | 视频流量 | 免流包 | 定向 | 专用流量",
    # --- plans and their changes -----------------------------------------------------------------
    "plan": "套餐费 | 月费套餐 | 资费套餐 | 老套餐 | 新套餐 | 档次 | 月租费 | plan fee | monthly plan | package fee | tariff plan",
    "plan_change": "换成*套餐 | 改成便宜 | 套餐改 | 改套餐 | 改不了套餐 | 资费变更 | 变更资费 | 换了套餐 | 被改了套餐 | 套餐被改 | 套餐变了 | 转套餐",
    "opened_without_consent": "没经过*同意 | 没答应 | 没有答应 | 没有同意 | 不知情 | 擅自 | 私自 | 偷偷 | 莫名其妙*开 | 莫名其妙*改 | 不是我订的 | 我没订 | 没申请过 | 没申请 | 没开过 | 没有开通过 | 没让*开 | 未授权 | unauthorised | unauthorized | never ordered | never asked for | never subscribed | did not order | without permission",
    "expiry": "清零 | 清空 | 作废 | 过期作废 | 到期清零 | 被清 | 有效期 | wiped | cleared | expires",
    "contract_phone": "合约手机 | 购机送费 | 买手机送话费 | 买手机送 | 0元购 | 分期付 | 终端合约 | 购机合约 | 存话费送手机 | contract phone",
    "promotion": "返费 | 返还话费 | 每月返 | 分月返 | 赠费 | 送的话费 | 赠送的 | 满送 | 充送 | 返现 | cashback",
    # --- billing, top-ups, refunds ----------------------------------------------------------------
    "fee_deduction": "工本费 | 要交 | 收*块 | 扣*块 | 另收 | 费 | 扣掉 | 扣走 | 乱扣 | deducted | charge | fee | deduct | billed | overcharged",
    "top_up": "交了话费 | 缴了 | 微信*充 | 支付宝*充 | 微信交 | 微信缴 | 支付宝交 | 支付宝缴 | 云闪付 | 和包 | 充值成功 | 充进去 | 在线缴费 | 缴话费 | 付了钱 | topped up | top-up | pay the bill | paid the bill | wechat pay | alipay",
    "top_up_missing": "没加上 | 没有加上 | 余额没变 | 还没到 | 迟迟不到 | 钱扣了*没 | 扣了钱*没 | 没充进去 | 充不进去 | 没入账 | 不入账 | 到不了账 | 没充进 | did not arrive | never arrived | balance did not change | not reflected | not added",
    "refund": "退回来 | 退给我 | 没退 | 不退 | 退还 | 承诺退 | 答应退 | 退费申请 | 退款申请 | 返还*费用 | 要回来 | 退差价 | refunded | money back | reimburse",
    "invoice": "开发票 | 打印发票 | 打发票 | 报销 | 可开票 | 开票金额 | 票据 | 收据 | 发票抬头 | 专票 | 普票 | 开不了票 | receipt | invoices | receipt | e-invoice",
    "bill": "话费单 | 账单上 | 对账 | 月账单 | 消费记录 | 扣费记录 | 费用明细",
    "points": "移动积分 | 积分*清 | 积分*没了 | 用积分 | 积分换 | 兑了 | 兑换的 | 积分扣了 | loyalty points | reward points",
    "gift_delivery": "没寄 | 没物流 | 没有物流 | 收到货 | 没收到货 | 换的东西 | 兑的东西",
    # --- SIM, number life cycle ---------------------------------------------------------------------
    "sim_replace": "补办 | 换张新卡 | 重新办一张 | 补张卡 | 补新卡 | 换新卡 | 换个卡 | 卡坏了 | 卡被偷 | 手机丢了 | 丢了手机 | 大卡换小卡 | 新补的卡 | 补的新卡 | 补了卡 | 换了卡 | 换卡后 | replacement card | replacement sim | new sim | lost sim | lost my sim | lost the sim | lost phone",
    "no_power_on": "不识别 | 识别不到 | 读不到卡 | 无sim卡 | 无卡 | 没有sim | 检测不到sim | 插上去*无 | 插上*没反应 | 不读卡 | 卡不能用 | 不识卡 | sim not detected",
    "cancel_number": "注销 | 销卡 | 注销手机号 | 注销号 | 号码不要了 | 退号 | 销掉 | 销不掉 | 不想用了 | 号不用了 | 号码不用了 | 销户手续 | cancel my number",
    "identity_fraud": "不是我本人办 | 不是本人办 | 证件*开了 | 身份证*开了 | 一证通查 | 名下有 | 多出来*号 | 多了*号码 | 多出*卡 | 盗办 | 冒办 | 被别人办",
    "real_name": "实名登记 | 身份证件 | 身份信息 | 实名信息 | 证件号",
    "porting": "携号 | 转运营商 | 换运营商 | 转网查询 | 携转查询 | 转到别的运营商 | 不换号码换 | 转移动 | 转联通 | 转电信 | 转广电 | switch carrier | port | port the number | switch operator | switch carrier | china unicom | china telecom | unicom",
    "porting_out": "转联通 | 转电信 | 转广电 | 转出 | 转去联通 | 转去电信 | 不让走 | 不让转 | 转不走 | 转不出去",
    "porting_in": "从电信转过来 | 从联通转过来 | 从广电转过来 | 转过来的 | 携号转入 | 转入 | 转进来 | 转到移动",
    "activation": "开通号码 | 新号激活 | 没激活 | 激活不了",
    # --- network generations, calls -------------------------------------------------------------------
    "5g": "5g卡 | 5g手机 | 5g网 | 5g服务 | 5g速度 | 5g覆盖",
    "volte": "高清通话 | 高清 | hd | volte开关 | hd图标 | 开通volte | 高清视频通话 | 视频通话 | vo lte",
    "call_forwarding": "转接 | 呼叫转接 | 转不过去 | 转到*号 | 无应答转移 | 关机转移 | 设置转移 | 转移电话 | 电话转移",
    "caller_id": "来显费 | 显示来电 | 来电显示费 | 显示号码 | 号码显示 | caller display | number display",
    "ringback": "铃声 | 一段音乐 | 听到音乐 | 放音乐 | 个性化回铃 | 视频炫铃 | 彩铃包 | 彩铃费 | 彩铃功能",
    "call_fail": "打不通 | 拨不通 | 打不出 | 打不进 | 提示空号 | 空号 | 拨过去 | 打过去*提示 | 无法接通 | 接不通 | 不在服务区 | 打不了",
    "call_drop": "电话老断 | 电话总断 | 说着说着就断 | 通话掉线 | 老断线",
    "signal": "信号 | 一格 | 只有一格 | 没有信号 | 信号很差 | 信号太差 | 信号不稳 | 信号时有时无 | 没信号 | 满格 | 搜不到网络 | 搜不到信号 | 无网络 | 信号覆盖 | bad signal | weak signal | signal | poor signal | no bars | one bar",
    "indoor_coverage": "家里*信号 | 屋里 | 屋内 | 房间里 | 阳台 | 窗边 | 进屋 | 出门就好 | at home",
    "roaming": "日本 | 泰国 | 韩国 | 美国 | 香港 | 澳门 | 台湾 | 欧洲 | 新加坡 | 马来西亚 | 越南 | 海外 | 国际 | 出国旅游 | 在国外 | 境外流量 | 漫游费 | 国际漫游费 | abroad | overseas | travel abroad | travelled abroad | traveled abroad | roaming charge",
    "roaming_pack": "包天 | 日套餐 | 出境包 | 境外包 | 国际包 | 漫游包天 | 境外日包",
    "no_service_abroad": "出国后*无服务 | 出国*没服务 | 到了*没服务 | 国外*搜不到 | 境外*搜不到 | 漫游开了*没反应 | 开了国际漫游*用不了 | 国外*无服务",
    # --- SMS, spam -------------------------------------------------------------------------------------
    "sms": "发信息 | 发消息 | 收信息 | 短讯 | 信息发不 | 消息发不 | 短信息 | text message | text | texts | message | messages",
    "sms_send": "发不出去 | 发送不成功 | 发不了 | 红色感叹号 | 感叹号 | 发送不出 | 发出去失败 | 信息发不出 | 消息发不出 | 短信发不了",
    "verify_code": "收不到码 | 验证短信 | 注册码 | 登录码 | 短信码 | 验证码短信 | code",
    "spam": "推销 | 卖保险 | 卖房 | 卖房子 | 贷款电话 | 贷款广告 | 广告电话 | 推广短信 | 垃圾信息 | 垃圾广告 | 营销信息 | 诈骗短信 | 骚扰信息 | 广告 | 推销的 | 营销的 | 卖东西的 | telemarketing | robocall | sales call | marketing call | scam call | junk sms | junk message",
    "unsubscribe": "退订不掉 | 退订不了 | 回复td | 取消不了 | 关不掉 | 取消订阅",
    # --- app, shops, installers --------------------------------------------------------------------------
    "app": "掌厅 | 移动app | 中国移动客户端 | app上 | 手机app | 10086app | 和生活app | mobile app | china mobile app",
    "app_login": "登不进去 | 进不去 | 登录不上 | 登不了 | 登陆 | 登录 | 输完密码 | 登录*失败 | 一直登录 | 账号登 | can't log in | cannot log in",
    "store": "厅里 | 营业部 | 移动厅 | 移动营业厅 | 门店里 | 到厅 | 去厅 | 沟通100 | 柜台 | 网点 | 代理点 | business hall | service hall | outlet",
    "store_service": "柜员 | 服务员 | 爱理不理 | 说话很冲 | 态度不好 | 翻白眼 | 脸色 | 凶 | 吼 | 骂人 | 冷漠 | 不理人 | 服务差 | 服务太差 | 态度很差 | 态度差劲 | 不搭理 | rude | unfriendly | rude | impatient | unhelpful | shop staff | store staff",
    "queue": "窗口 | 等半天 | 前面还有 | 一上午 | 一下午 | 等号 | 叫号 | 只开一个 | 等候时间 | 排长队 | 排很久 | 等很久 | 等了半天",
    "install_repair": "安装师傅 | 装机师傅 | 维修师傅 | 装维人员 | 安装人员 | 维修人员 | 上门服务 | 装宽带的 | 装机的 | 维修上门 | 网格员 | 施工 | installation | installer | engineer | technician visit",
    "iptv_box": "电视盒子 | 盒子 | 魔百 | 电视直播 | 看直播 | 直播 | 点播 | 遥控器 | 遥控 | 电视节目 | 电视机顶盒 | 移动电视 | 看电视 | 电视 | 和tv | 咪咕视频tv | tv box | tv box | mobaihe | set top box",
    "broadband": "宽带网 | 家里网 | 家里的网 | 家庭宽带 | 光纤宽带 | 宽带网络 | 网线 | 光猫灯 | 猫 | 千兆网 | home internet | fiber",
    "modem": "光猫灯 | 猫灯 | 光猫*闪 | 路由器*闪 | los灯 | 红灯",
    "family": "家庭 | 全家 | 一家人",
    "resume": "还是停机 | 还没恢复 | 没恢复 | 没有恢复 | 开通不了 | 没开机 | 复通 | 停机状态 | 补交*欠费 | 缴清 | 交清 | 恢复通信 | 恢复正常 | still suspended | reconnect | restore service | restored",
    "suspend": "停机状态 | 停机了 | 打不出去*欠费 | 欠费停 | suspend | barred | cut off | disconnected for arrears",
    "complaint_process": "没人跟进 | 没人管 | 没有处理 | 不处理 | 申诉 | 处理进度 | 一直没结果 | 没结果 | 石沉大海 | 没下文",
    "hotline": "客服说 | 客服承诺 | 客服答应 | 打10086",
}

_TELECOM: list[tuple[str, str, str, str]] = [
    # --- broadband ------------------------------------------------------------------------------------
    (
        "broadband_speed",
        "宽带速率不达标",
        "broadband below its contracted speed",
        "测速 | 测网速 | 测出来 | 测了*只有 | 达不到 | 不达标 | 签约速率 | 实际速率 | 带宽不足 | 虚标 | 没有*兆 | 只有*兆 | 只有*m | 跟说好的*差 | 网速不够 | 速率不够 | speed test | below contracted speed | slower than promised | below the promised | not the speed",
    ),
    (
        "bandwidth",
        "带宽档位",
        "bandwidth tier",
        "千兆 | 百兆 | 兆 | 100m | 200m | 300m | 500m | 1000m | 带宽 | 速率 | mbps | gigabit",
    ),
    (
        "speed_upgrade",
        "宽带提速",
        "broadband speed upgrade",
        "提速 | 升速 | 提速包 | 升级千兆 | 升级带宽 | 宽带升级 | 带宽升级 | 提升网速 | 提速到 | 升到*兆 | 升级到*兆 | 升级*m | 换千兆 | 办了千兆 | speed upgrade",
    ),
    (
        "broadband_move",
        "宽带移机",
        "moving broadband",
        "移机 | 宽带迁移 | 迁移 | 搬家 | 换地址 | 新家 | 新房 | 移装 | 迁机 | 房子搬了 | 搬了家 | relocation | move broadband",
    ),
    (
        "tv_paid",
        "电视付费点播",
        "paid TV content",
        "影视会员 | 影视包 | 影视vip | 电视会员 | 付费节目 | 付费频道 | 片库 | 遥控*订购 | 一键订购 | 误订 | 点播*扣费 | 电视*扣费 | 电视*包月 | 机顶盒*扣 | 会员包月 | vip包月 | vip会员 | pay tv",
    ),
    # --- numbers, ownership, channels ----------------------------------------------------------------------
    (
        "ownership_transfer",
        "过户",
        "transfer of ownership",
        "过户 | 更改机主 | 变更机主 | 改机主 | 机主变更 | 转到*名下 | 过到*名下 | 过户给 | 户主变更 | 号码转让 | 转给*子女 | 实名变更 | transfer ownership",
    ),
    (
        "out_of_area",
        "异地办理",
        "service outside the home region",
        "异地 | 外地 | 归属地 | 开户地 | 回*当地 | 回老家办 | 跨省 | 跨地市 | 省外 | 本地才能 | 非归属地 | 全国通办 | 异地办理 | out of province",
    ),
    (
        "in_person",
        "本人到场",
        "in person only",
        "本人到场 | 本人办理 | 本人去 | 本人来 | 必须本人 | 要本人 | 非得本人 | 委托 | 代办 | 授权书 | 亲自去 | 跑了*趟 | 来回跑 | 跑好几趟 | in person",
    ),
    (
        "top_up_card",
        "充值卡",
        "top-up card",
        "充值卡 | 话费卡 | 缴费卡 | 充值券 | 卡密 | 刮开 | 刮刮卡 | 密码刮 | 刮花 | 已被使用 | 已使用 | 已用过 | 已经充过 | 卡号*无效 | 充值密码 | prepaid card | top-up card",
    ),
    # --- calls ------------------------------------------------------------------------------------------------
    (
        "group_business",
        "集团业务",
        "corporate account",
        "集团 | 集团客户 | 政企 | 集团账户 | 企业客户 | 集团业务 | enterprise | corporate",
    ),
    (
        "vpmn",
        "集团短号",
        "corporate short numbers",
        "集团短号 | 短号 | v网 | vpmn | 集团网 | 集团v网 | 虚拟网 | 内部短号 | 单位短号 | 公司短号 | 短号码 | 小号拨打 | 内部号码 | short number",
    ),
    (
        "number_tagging",
        "号码标记",
        "number tagging",
        "标记 | 被标记 | 号码标记 | 标记为 | 疑似推销 | 疑似诈骗 | 疑似骚扰 | 显示骚扰 | 显示*推销 | 显示是广告 | 显示*诈骗 | 手机管家 | 360标记 | 取消标记 | 撤销标记 | 去掉标记 | 标记申诉 | 清除标记 | tagged as spam",
    ),
    (
        "call_block",
        "来电拦截",
        "call blocking",
        "拦截 | 防骚扰 | 被拦 | 拦掉 | 拦了 | 已拦截 | 屏蔽 | 黑名单 | 高频骚扰 | 拦截服务 | 骚扰拦截 | 拦截功能 | 误拦 | call blocking | blacklist",
    ),
    (
        "family_network",
        "亲情网",
        "family network",
        "亲情网 | 家庭网 | 亲情号 | 亲情号码 | 家庭短号 | 亲情通话 | 家庭成员 | 添加成员 | 加成员 | 加不了*成员 | 成员 | 亲情 | family network",
    ),
    (
        "secondary_card",
        "副卡",
        "secondary card",
        "副卡 | 副号 | 主副卡 | 附属卡 | 主卡 | 主号 | 副卡*共享 | 和多号 | 一卡多号 | secondary card | add-on line | secondary sim | additional line | sub-card | second card | main card",
    ),
    # --- plans ----------------------------------------------------------------------------------------------------
    (
        "plan_downgrade",
        "套餐降档",
        "plan downgrade",
        "降档 | 降套餐 | 降级 | 换便宜 | 换成便宜 | 便宜的套餐 | 低一点的 | 低档 | 改低 | 改小 | 档位*不能降 | 不让降 | 降不了 | downgrade",
    ),
    (
        "plan_upgrade",
        "套餐升档",
        "plan upgrade",
        "升档 | 升级套餐 | 升套餐 | 高档 | 升到*套餐 | 改高 | 被升级 | 套餐升级 | upgraded",
    ),
    (
        "5g_unavailable",
        "用不上 5G",
        "no 5G service",
        "只显示4g | 一直显示4g | 显示4g | 只有4g | 掉到4g | 掉到2g | 掉到3g | 回落 | 连不上5g | 用不上5g | 没有5g | 不显示5g | 用的是4g | 还是4g | 5g用不了 | 5g*连不上 | no 5g",
    ),
    # --- installers --------------------------------------------------------------------------------------------------
    (
        "appointment_missed",
        "上门不守时",
        "missed or late appointment",
        "迟到 | 放鸽子 | 爽约 | 没来 | 不来 | 等不到人 | 等了一天 | 说好*来 | 约好*来 | 约了*没来 | 约了*不来 | 不准时 | 不守时 | 晚到 | 改约 | 没按时 | 才来 | 没上门 | 一直不上门 | no-show | late | no technician | never came | did not come | didn't come | nobody came | no one came | missed appointment",
    ),
    (
        "extra_charge",
        "额外收费",
        "extra charge",
        "额外收 | 另收 | 另交 | 私下收 | 私自收费 | 额外收费 | 加收 | 多收 | 材料费 | 网线钱 | 网线费 | 上门费 | 服务费 | 没给票 | 不给发票 | extra charge",
    ),
    # --- states a complaint is about, across products ----------------------------------------------------------
    (
        "no_notice",
        "未提醒",
        "no notice given",
        "提醒 | 通知 | 提醒短信 | 短信提醒 | 余量提醒 | 余量提示 | 用量提醒 | 流量提醒 | 超量提醒 | 到期提醒 | 没提醒 | 没有提醒 | 不提醒 | 没通知 | 没有通知 | 不通知 | 事先没 | 提前通知 | 提前告知 | 事先告知 | 没打招呼 | reminder | notification | no notice | without notice | without warning | without any reminder | no reminder | not notified | never notified",
    ),
    (
        "refused",
        "拒绝办理",
        "refused",
        "不给办 | 不让办 | 不予办理 | 拒绝办理 | 拒绝 | 被拒 | 办不了 | 办不成 | 没办成 | 不让 | 不给 | 卡住 | 不符合条件 | 不满足条件 | 不具备条件 | 没资格 | 不能办理 | 不受理 | 不办理 | refused | ineligible | not eligible | rejected | denied | declined | not allowed | turned down",
    ),
    (
        "operation_failed",
        "办理失败",
        "operation fails",
        "设置不上 | 设置不成功 | 设置失败 | 设不了 | 开不了 | 开通不了 | 开通失败 | 打不开 | 开不开 | 不成功 | 失败 | 提示错误 | 网络错误 | 灰色 | 添加不了 | 加不了 | 加不进 | 添加失败 | 办理失败 | 操作失败 | 申请失败 | fails | failed | failure | unsuccessful | error",
    ),
    (
        "unusable",
        "无法使用",
        "cannot be used",
        "用不了 | 不能用 | 无法使用 | 没法用 | 用不上 | 不可用 | 不好用 | 使用不了 | 没用上 | cannot use | not usable | not working | unusable | cannot be used | can't use | does not work",
    ),
]

TELECOM_CONCEPTS: list[tuple[str, str, str, list[str]]] = [
    (code, zh, en, [alias.strip() for alias in aliases.split("|") if alias.strip()])
    for code, zh, en, aliases in _TELECOM
]

# Concepts that say how something went wrong rather than what it is about: a group of reports is
# named by its subject first (携号转网 before 拒绝办理).
STATE_CONCEPTS = frozenset(
    ["no_notice", "refused", "operation_failed", "unusable", "not_working", "wrong_info", "expiry"]
)

TELECOM_PARENTS: dict[str, str] = {
    "broadband_speed": "broadband",
    "speed_upgrade": "broadband",
    "broadband_move": "broadband",
    "tv_paid": "iptv_box",
    "top_up_card": "top_up",
    "vpmn": "group_business",
    "call_block": "spam",
    "family_network": "family",
    "secondary_card": "family",
    "plan_downgrade": "plan_change",
    "plan_upgrade": "plan_change",
    "5g_unavailable": "5g",
    "appointment_missed": "install_repair",
    "extra_charge": "fee_deduction",
}
