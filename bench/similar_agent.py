"""A fifth paraphrase set for `bench/similar.py`, in the register the first four lack: how agents
log a call (客户来电反映…, 用户称…, 要求…), longer texts with a customer's detail around the
complaint, English summaries from bilingual agents, and the slips of fast typing and speech-to-text
(同音字: 宽代, 流浪 for 流量).  Written after the third lexicon layer by the same engineer, and
committed before any measurement: it checks the register, not the vocabulary, and its figures are
not tuned on.  Topics overlap the other sets' on purpose — a report phrased as an agent phrases it
must still find the issue phrased as a customer did.
"""

ISSUES: list[dict] = [
    {
        "title": "宽带频繁断网",
        "merged": "客户来电反映家中宽带近一周频繁断网，重启光猫后恢复，过一会又断",
        "new": [
            "用户称家里的宽代老是断，一天好多次，要求上门检修",
            "Customer says home broadband keeps disconnecting several times a day",
            "客户反映晚上宽带上网时不时断开，影响孩子上网课，情绪激动",
        ],
    },
    {
        "title": "套餐外流量扣费过高",
        "merged": "客户反映本月套餐外流量产生费用268元，认为收费过高",
        "new": [
            "用户来电称本月流浪超出，被扣了两百多，要求减免",
            "Customer was charged over 200 yuan for data beyond the plan this month and asks for a waiver",
            "客户对超套流量费有异议，称没收到任何提醒就扣了很多钱",
        ],
    },
    {
        "title": "携号转网被拒",
        "merged": "客户申请携号转网至电信，短信查询提示存在未到期合约，不能办理",
        "new": [
            "用户要求携转，系统校验不通过，客户不满",
            "Customer wants to port the number to China Unicom but is told they are not eligible",
            "客户称想换到联通但号码转不出去，说有合约限制",
        ],
    },
    {
        "title": "补换卡收取费用",
        "merged": "客户到厅补卡被收取工本费，认为不合理",
        "new": [
            "用户手机卡遗失，到营业厅补办时被要求交费，客户质疑",
            "Customer lost the SIM and was charged a fee for a replacement card",
            "客户反映换卡还要收钱，要求免收",
        ],
    },
    {
        "title": "魔百和无法开机",
        "merged": "客户反映魔百和开机后一直停在开机画面进不去",
        "new": [
            "用户称机顶盒开不了机，电视没有画面",
            "Customer's Mobaihe set-top box will not start, the TV shows nothing",
            "客户来电称电视盒子通电后指示灯亮但进不了系统",
        ],
    },
    {
        "title": "国际漫游产生高额费用",
        "merged": "客户出境旅游期间产生漫游费用近千元，要求核实",
        "new": [
            "用户去欧洲玩了一周，回国后发现话费被扣了八百多，全是漫游上网",
            "Customer travelled abroad and came back to a roaming bill of nearly 1000 yuan",
            "客户称在境外只用了导航，却产生高额流量费",
        ],
    },
    {
        "title": "来电显示被收费",
        "merged": "客户查询账单发现每月收取来电显示功能费，称从未申请",
        "new": [
            "用户对来显费有异议，要求取消并退还",
            "Customer disputes a monthly caller ID fee they never asked for",
            "客户反映话费里有一项来电显示6元，不知道什么时候开的",
        ],
    },
    {
        "title": "话费充值未到账",
        "merged": "客户通过支付宝充值话费100元，显示支付成功但未到账",
        "new": [
            "用户在微信上缴费，钱已经扣了，话费余额没有增加",
            "Customer topped up 50 yuan through WeChat; the money left the account but the balance did not change",
            "客户称充值后半天了余额还是负的，手机打不出去",
        ],
    },
    {
        "title": "骚扰电话频繁",
        "merged": "客户反映每天接到多个推销电话，严重影响生活",
        "new": [
            "用户称近期天天有人打电话推销理财和贷款，要求处理",
            "Customer receives several telemarketing calls every day and wants them stopped",
            "客户投诉营销电话太多，上班时间一直被打扰",
        ],
    },
    {
        "title": "营业厅工作人员服务态度差",
        "merged": "客户投诉营业厅工作人员服务态度恶劣",
        "new": [
            "用户称在厅里办理业务时营业员不耐烦，还出言不逊",
            "Customer complains that the shop staff were rude and impatient",
            "客户反映门店店员对其态度冷淡，问问题爱答不理",
        ],
    },
    {
        "title": "宽带装机预约后无人上门",
        "merged": "客户预约宽带安装三天了，一直没有装维人员联系上门",
        "new": [
            "用户新办宽带，约好周六安装，装机师傅没来也没打电话",
            "Customer booked a broadband installation but no technician has come",
            "客户反映宽带报装一周了还没人来装",
        ],
    },
    {
        "title": "家中手机信号差",
        "merged": "客户反映在家中手机信号很弱，经常无法接通电话",
        "new": [
            "用户称住的楼里信号只有一两格，进电梯就没有",
            "Customer has very weak mobile signal at home and calls drop",
            "客户来电反映小区新建楼盘信号覆盖差，要求加建基站",
        ],
    },
    {
        "title": "积分被清零",
        "merged": "客户反映积分未使用即被清零，未收到过期提醒",
        "new": [
            "用户称账户里的积分突然没有了，客服说到期失效",
            "Customer's loyalty points expired and were wiped without any reminder",
            "客户质疑积分过期作废规则，要求恢复积分",
        ],
    },
    {
        "title": "未经同意开通增值业务扣费",
        "merged": "客户反映被开通了视频会员包月业务并扣费，本人未订购",
        "new": [
            "用户称话费里多了一项每月15元的会员费，自己没开过",
            "Customer was billed for a value-added subscription they never ordered",
            "客户查询发现有个包月业务在扣钱，要求退订并退款",
        ],
    },
    {
        "title": "欠费缴清后未恢复通话",
        "merged": "客户缴清欠费后仍处于停机状态，无法拨打电话",
        "new": [
            "用户交完欠款两个小时了还是停机，着急联系客户",
            "Customer paid the overdue balance but the line is still suspended",
            "客户称已经补缴话费，号码仍不能正常使用",
        ],
    },
    {
        "title": "副卡无法使用主卡共享流量",
        "merged": "客户反映副卡无法共享主卡套餐流量，单独产生流量费",
        "new": [
            "用户给家人办的副卡上网时扣的是自己的钱，不是用主卡的流量",
            "Customer's secondary card cannot use the main card's shared data",
            "客户称主副卡流量没有共享，副卡提示流量不足",
        ],
    },
]

UNRELATED = [
    "客户咨询最近有没有新的5G手机优惠",
    "用户询问如何办理一张新的手机号",
    "Customer asks how to check the remaining balance",
    "客户反映快递送错了地址，与移动业务无关",
    "用户表扬营业厅小李服务热情周到",
    "客户询问营业厅的营业时间",
    "Customer wants to know the price of the 5G family plan",
    "用户建议APP增加夜间模式",
]
