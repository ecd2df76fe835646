"""A paraphrase set for the matching tests — different from bench/similar_cases.py on purpose."""

ISSUES: list[dict] = [
    {
        "title": "补办SIM卡要收费",
        "merged": "客户问换卡收不收钱",
        "new": ["手机卡掉了重新办一张多少钱", "补卡居然还要付费"],
    },
    {
        "title": "补卡后无法开机",
        "merged": "新办的卡插进去显示无服务",
        "new": ["换了卡以后手机读不出卡", "补的新卡用不了，仅限紧急呼叫"],
    },
    {
        "title": "呼转设置失败",
        "merged": "开通呼叫转移没成功",
        "new": ["来电转到另一个号码设置不了", "想把电话转接到我老婆的号码上，弄不好"],
    },
    {"title": "机顶盒看不了电视", "merged": "魔百和一直黑屏", "new": ["家里电视看不了了", "IPTV 打开没信号"]},
    {
        "title": "来电显示没有号码",
        "merged": "来显不显示号码",
        "new": ["看不到是谁打来的", "来电的时候号码不显示"],
    },
    {
        "title": "携号转网办不了",
        "merged": "想携号转网被拒",
        "new": ["要转到电信不给办", "换运营商不换号码一直失败"],
    },
]

UNRELATED = ["询问营业厅地址在哪里", "咨询彩铃怎么设置成歌曲"]
