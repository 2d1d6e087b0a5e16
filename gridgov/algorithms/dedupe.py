"""Duplicate reports: which earlier report, if any, is the same real-world problem.

Pure Python (no Django). Two reports are the same problem when they are near
in space, close in time and their texts name the same thing. Place and time
alone are not enough: a pothole 30 m from a missing manhole cover, or the
next broken lamp post, is another problem. Category alone is worse, because
different people file one problem under different categories (a burst main
as water supply, drainage or road damage), and intake often has none.

What a report says is read as:
- *things*: the objects and failures a report names (manhole cover, pothole,
  street lamp, water pipe, …), each a small set of words people actually use
  (``THINGS``), the longest word at each place, and the first thing named as
  what it is mainly about. Reports that name things are usually one problem
  only if they share one, or name related ones (a burst pipe floods the road:
  ``RELATED``);
- *places*: the building and house numbers and the "第二根" of a row it names:
  4号楼 and 5号楼 next to each other are two problems;
- *wording*: character bigrams shared, and the category classifier's reading
  (topics), which carry the reports that name no known thing.

``same_problem`` scores a pair with a logistic regression over these
(``pair_features``), fitted by ``dedupe_fit`` on the labelled training set
``data/duplicates_train.jsonl`` and written into this module (``WEIGHTS``).
``find_duplicates`` runs over a batch sorted by time with a spatial hash, so
100,000 reports take seconds: each report joins the best-scoring problem near
it unless a report of that problem clearly says otherwise (``VETO``: the next
lamp post of a row is like the last report, unlike the first). The intake
search uses ``same_problem`` on the few cases the database returns near the
new one.
"""

from __future__ import annotations

import datetime
import hashlib
import math
import operator
import re
from collections import defaultdict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from gridgov.algorithms.textclass import normalise

# Reports further apart than this are different problems (GPS jitter, the
# reporter standing across the road: tens of metres).
RADIUS_M = 60.0
# A report more than this after the previous report of a problem starts a new
# one: a problem repaired and back weeks later is a new case.
WINDOW = datetime.timedelta(days=21)
# In the hand-made score (rule_score, one feature of the pair score): when a report
# names no known thing, the classifier's readings of the two texts must share this
# much probability (topic_overlap) to count.
TOPIC_MIN = 0.3

# Boilerplate of hotline summaries and patrol notes: it says nothing about the problem.
_BOILERPLATE = re.compile(
    r"来电人|来电|市民|反映|反应|称|诉求|希望|尽快|处理|解决|巡查发现|巡查|网格员|走访|发现|"
    r"已拍照|拍照|上报|麻烦|请|谢谢|你们|我们|小区|号楼|单元|门口|附近|路口|社区|街道|"
    r"[0-9０-９]+|[，。！？、；：,.!?;:\s（）()“”\"'…—-]"
)

# Things people report, by the words they use for them. Kept literal: a word
# belongs here when it names the thing itself, not a place or a feeling. Words
# were collected from the labelled corpus and from how residents, 12345
# operators and grid workers phrase things (colloquial, dialect, patrol jargon);
# where an object is also a common place (护栏, 栏杆, 单元门) only its failures are
# listed ("护栏断", "门坏"), so "贴在护栏上" or "单元门口" names nothing.
# fmt: off
_PLACE = "place"
THINGS: dict[str, tuple[str, ...]] = {
    "manhole": ("井盖", "窨井", "井口", "井圈", "没盖的井", "黑窟窿", "雨水井", "污水井", "井座",
                "井盖子", "箅子", "铁篦子", "水箅"),
    "pothole": ("坑", "塌陷", "路面破", "路面坏", "凹陷", "裂缝", "鼓包", "沥青", "路面下沉",
                "路下沉", "沉陷", "下陷", "塌下去", "路面塌", "路塌", "车辙", "翻浆", "拥包",
                "跳车", "伸缩缝", "碎石", "回填", "铣刨", "颠簸", "路烂", "烂路", "越来越烂",
                "碎成一块", "路面断裂", "路面开裂", "路面破损", "有个洞", "道路破损", "窟窿"),
    "paving": ("地砖", "路牙", "人行道砖", "方砖", "步道砖", "砖翘", "砖松", "翘起", "鼓起", "砖碎",
               "道砖", "路沿石", "路缘石", "侧石", "道牙", "石板", "石材", "大理石", "盲道砖",
               "盲道被破坏", "盲道破", "一踩一翘", "砖都松", "砖都碎"),
    "lamp": ("路灯", "灯杆", "灯泡", "照明", "灯", "黑灯瞎火", "漆黑", "黑咕隆咚", "黑了", "黑漆漆",
             "伸手不见五指", "一闪一闪", "忽明忽暗", "一点光", "没有光", "摸黑", "还是黑的", "灯具",
             "灯坏"),
    "signal": ("红绿灯", "信号灯", "红灯", "绿灯", "黄灯", "信号机"),
    "pipe": ("爆管", "水管", "管道破", "冒水", "喷水", "跑水", "水柱", "淌水", "自来水", "清水",
             "漏水", "管子漏", "管子破", "哗哗", "水喷", "阀门井", "供水管", "铸铁管"),
    "sewage": ("下水道", "下水井", "污水", "检查井", "化粪池", "冒黑水", "脏水", "返上来", "反水",
               "返水", "排水立管", "屎", "粪", "下水", "排污", "疏通", "马桶", "地漏", "明沟",
               "排水沟", "臭水沟", "排水渠", "淤积", "淤塞", "清淤", "冒溢", "往上冒", "往上返",
               "放不下去", "冲不下去", "主管道堵", "隔油池", "雨污", "排水管网", "雨水管",
               "水下不去"),
    "flooding": ("积水", "成河", "淹", "水漫", "蹚水", "雨水篦子", "雨水口", "一滩水", "滩水",
                 "水没下去", "水还没下去", "水不退", "倒灌", "进水", "成了河", "河一样", "没过脚",
                 "水塘", "汪洋", "排不出去", "排不下去", "排不过来", "抽排", "内涝", "往楼道里灌",
                 "往小区里灌", "被泡", "湿透", "鞋都湿", "蹚", "泡在水里", "一人多深", "水深",
                 "沙袋", "水退", "积水坑", "死水", "水坑", "灌水", "往下灌", "水困", "泡了",
                 "水那么深"),
    "water": ("停水", "没水", "水压", "水质", "水发黄", "水浑", "水表", "水龙头", "一滴水",
              "水流小", "水变小", "水费", "水垢", "白花花", "红虫", "供水", "水箱", "二次加压",
              "加压泵", "泵房", "出水浑浊", "沉淀", "铁锈", "水流变小", "水很小", "没来水",
              "时候来水", "水太硬", "硬度", "才有水", "水都没有", "送水", "抄表", "水就变小"),
    "bins": ("桶", "垃圾箱", "果皮箱", "满溢", "冒尖", "分类投放", "投放点", "混投", "收集站",
             "收集点", "收集房", "督导员"),
    "rubbish": ("垃圾", "废品", "清运", "厨余", "烂菜", "菜叶", "菜帮子", "废弃物", "黑汤",
                "一堆袋子", "破烂", "塑料袋", "塑料瓶", "饮料瓶", "瓶子", "外卖盒", "餐盒",
                "包装袋", "纸屑", "烟头", "果皮", "落叶", "白色污染", "卫生死角", "死角", "腐烂",
                "死鸟", "乱扔", "扔满", "扔东西", "脏东西", "收运"),
    "debris": ("碎砖", "砖头", "渣土", "装修垃圾", "建筑垃圾", "水泥袋", "大件", "沙发", "床垫",
               "偷倒", "废料", "废弃家具", "被倾倒", "偷偷倾倒", "倾倒装修", "倾倒建筑", "倾倒废",
               "装修的垃圾"),
    "mud": ("渣土车", "带泥", "黄泥", "泥汤", "全是泥", "尘土", "扬尘", "泥土", "灰尘", "粉尘",
            "撒漏", "抛洒"),
    "noise": ("噪音", "噪声", "吵", "扰民", "音响", "音箱", "音乐", "喇叭", "扩音器", "打桩",
              "唱歌", "跳舞", "叮叮当当", "睡不着", "小点声", "电钻", "电锤", "冲击钻", "砸墙",
              "敲敲打打", "破碎机", "切割机", "鬼哭狼嚎", "萨克斯", "打鼓", "练琴", "鞭子", "轰鸣",
              "炸街", "飙车", "改装车", "排气管", "嗡嗡", "声音很大", "声音太大", "声响", "异响",
              "拖桌子", "跺地板", "广场舞", "录音", "喊叫", "大声喧哗", "鼓风机", "低音炮", "狗叫",
              "咚咚", "跺脚", "跺", "咣咣", "鸡叫"),
    "night_works": ("夜间施工", "半夜", "凌晨", "浇筑", "泵车", "晚上干", "还在干", "干到",
                    "夜间作业", "连夜", "通宵", "彻夜", "晚上施工", "夜里施工", "后半夜",
                    "午休时间"),
    "fumes": ("油烟", "烧烤", "烤串", "羊肉串", "烟熏", "炭火", "熏", "排烟", "排风口", "烟囱",
              "黑烟", "烟雾", "焚烧", "秸秆", "黑灰", "烟大", "呛", "排气扇", "烧塑料", "烟熏火燎",
              "烧废", "烧东西"),
    "smell": ("臭", "异味", "味道", "味儿", "怪味", "闻见味", "刺鼻", "气味", "漆味", "有味",
              "都是味", "闻到味", "捂鼻子", "难闻"),
    "gas": ("燃气", "煤气", "天然气", "液化气", "臭鸡蛋", "瓦斯", "灶", "打不着", "点不着", "气表",
            "停气", "通气", "接气", "没气", "钢瓶", "气罐", "罐气", "烧罐子", "用罐子", "管道气",
            "嘶嘶", "火焰", "小火", "火力", "关火", "气压", "调压箱", "管道漏气", "漏气了",
            "熄火保护", "报警器一直", "报警器响", "报警器老", "报警的东西", "月气费", "气费欠",
            "少量气费", "的气费", "气费都", "火就特别小", "火小", "瓶装气", "软管", "气价",
            "火特别小", "火苗", "灶具", "火不旺", "火太小"),
    "heating": ("暖气", "供暖", "供热", "不热", "室温", "冰凉", "放气", "热力", "停暖", "温度",
                "来热", "没热", "片子", "锅炉", "采暖", "取暖费", "开栓", "开阀", "报停", "冰窖",
                "冻得", "屋里冷", "家里冷", "地暖", "热网", "还是凉的"),
    "power": ("停电", "断电", "跳闸", "电压", "电缆", "没电", "变压器", "变电", "配电", "电费",
              "没来电", "供电", "用电", "火花", "冒火星", "焦糊", "糊味", "插座", "电价", "通电",
              "电表箱", "的电表", "电表在", "电表位", "电表上", "电表走", "电表计", "电表坏",
              "次电", "时候来电", "电来了", "来电了没", "电箱", "配电室", "忽高忽低", "电不稳",
              "电压不稳"),
    "wires": ("架空线", "线缆", "光缆", "网线", "通信线", "蜘蛛网", "铝线", "线垂", "破皮", "乱接",
              "私拉", "线都露", "线路老", "线路裸", "线路杂乱", "线路下垂", "线路交错", "供电线路",
              "线杆歪", "线杆倾斜", "线杆倒"),
    "parking": ("停车", "乱停", "违停", "僵尸车", "面包车", "挪车", "停满", "车位", "拖车", "停着",
                "停放", "占停", "隔离桩", "机动车", "车停", "停得", "停靠", "地锁", "禁停",
                "私家车", "轿车", "大客车", "报废车", "废旧车", "被人堵", "被车堵", "车开不出去",
                "全是车", "趴活", "上下客", "卸货", "外来车", "社会车辆", "车尾", "轮胎瘪",
                "轮胎漏气", "车胎瘪", "胎都瘪", "车被堵", "有人停", "盲道停", "横着停", "门口的车",
                "停的车", "车都停", "车把人行道"),
    "bikes": ("共享单车", "单车", "电动车乱", "电动车停", "电瓶车乱", "电瓶车停", "自行车乱",
              "自行车停", "非机动车停", "非机动车乱", "僵尸自行车", "废弃自行车"),
    "tree": ("树", "枝", "倒伏", "法桐", "柳絮", "杨絮", "飞絮", "竹子", "竹林", "悬铃木", "雪松",
             "毛毛虫", "乔木", "砍伐"),
    "lawn": ("绿地", "草坪", "种菜", "毁绿", "绿篱", "灌木", "草地", "杂草", "草长", "割草", "剪草",
             "草皮", "枯死", "缺株", "补种", "补植", "裸土", "月季", "花草", "菜地", "开垦", "踩出",
             "绿化带", "绿化那块"),
    "stall": ("摊", "小贩", "占道经营", "出摊", "叫卖", "三轮车", "卖菜", "手抓饼", "卖煎饼",
              "早餐车", "瓜果车", "卖西瓜", "推车卖", "流动", "推车", "炸串", "烤肠", "烤红薯",
              "卖鱼", "卖水果", "卖鲜花", "卖花", "卖气球", "卖吃的", "卖早点", "早点车", "卖早餐",
              "卖东西", "油锅", "蒸笼", "卖小吃", "小吃车"),
    "shopfront": ("店外", "出店", "摆出来", "摆到外面", "摆在门外", "门外摆", "外摆", "把货",
                  "货摆", "店门外", "门前摆", "摆桌", "桌子摆", "桌子全摆", "摆放桌椅", "桌椅摆",
                  "摆满了人行", "门外设置"),
    "garage": ("汽修", "洗车", "机油", "修车铺", "修车店", "路边修车", "汽车修理", "修车"),
    "lift": ("电梯", "轿厢", "扶梯", "号梯", "梯停"),
    "gate": ("门禁", "刷卡", "门关不严", "道闸", "门锁", "铁门", "锁坏", "人脸识别", "刷脸",
             "识别不了", "可视对讲", "对讲", "门铃", "抬杆", "门卡", "车牌识别", "车辆识别", "门坏",
             "门损坏", "门框", "拦车", "抬着", "闸机"),
    "guard": ("岗亭", "门岗", "保安亭", "保安室", "没人值班", "无人值守", "无人值班", "保安不在",
              "不在岗", "保安叫不醒", "玩手机"),
    "cctv": ("监控坏", "监控损坏", "监控室", "监控多处", "监控好几个", "监控看不清", "监控也看不清",
             "摄像头黑屏", "摄像头坏", "摄像头损坏", "调不出", "录像"),
    "fitness": ("健身器材", "器材", "漫步机", "太空漫步", "锻炼", "转腰", "单杠", "双杠", "秋千",
                "滑梯", "跷跷板", "游乐设施"),
    "charging": ("飞线", "充电", "吊根线", "吊电线", "电线", "充一宿", "充一整夜", "回家充",
                 "电暖器", "小太阳", "电炉", "插线板", "拉线"),
    "clutter": ("堆物", "消防通道", "楼道堆", "纸箱", "旧柜子", "杂物", "堆满", "旧家具", "纸壳",
                "鞋柜", "木头板子", "堵塞通道", "楼道里的东西", "柜子", "箱子挡", "消防车通道",
                "消防车的路", "占用通道"),
    "fire_kit": ("灭火器", "消防栓", "消火栓", "水带", "烟感", "喷淋", "消防控制", "灭火的",
                 "消防器材", "消防设施"),
    "fire_exit": ("防火门", "闭门器", "安全出口", "逃生", "疏散通", "疏散楼梯"),
    "hazmat": ("汽油", "易燃", "化学品", "危化", "氧气瓶", "乙炔", "烟花爆竹", "稀料", "氢氟酸",
               "明火", "火星子", "电焊", "焊东西"),
    "ads": ("小广告", "涂鸦", "喷涂", "张贴", "乱画", "野广告", "小纸条", "办证", "电话号码",
            "贴满", "传单", "发单", "卡片", "贴纸", "乱贴", "被贴", "贴的", "贴有", "乱写", "乱涂",
            "涂写", "写满", "写上", "记号笔", "粉笔", "红漆", "油漆写", "牛皮癣", "横幅", "条幅",
            "骂人的话", "借贷广告", "虚假广告", "商业广告", "糊住", "喷了", "不文明语",
            "不文明用语"),
    "signboard": ("广告牌", "招牌", "牌匾"),
    "building": ("违建", "搭建", "私搭", "彩钢", "盖房子", "棚子", "加盖", "钢架", "加建", "扩建",
                 "违章", "违法建设", "乱搭", "搭顶", "砌墙", "砌了", "垒了", "圈地", "圈起来",
                 "围成", "板房", "阳光房", "铁笼子", "仓房", "库房", "隔断", "隔墙", "往外扩",
                 "向外扩", "外扩", "盖房", "建房", "盖了一", "盖满", "越盖越大", "盖成", "加层",
                 "接房子", "接了一间", "鸽舍", "鸡舍", "挖地下室", "开挖地下", "挖建", "铁架子",
                 "焊了", "遮阳棚", "窝棚", "悬挑", "铁丝网", "抢建", "石棉瓦", "砖房", "砖混",
                 "隔出一个", "门面房", "破墙", "改变用途", "在建的房子", "在砌"),
    "facade": ("外墙", "墙皮", "瓷砖", "墙砖", "瓷片", "脱落", "外立面", "装饰线条", "剥落", "屋檐",
               "水泥块", "混凝土块"),
    "structure": ("墙裂", "墙上裂", "震裂", "危房", "承重", "楼板", "底板", "钢筋外露", "钢筋都露",
                  "露筋", "房屋安全", "鉴定", "裂了好", "墙体开裂", "墙面开裂", "开裂下沉",
                  "房子结构", "房屋结构", "结构安全"),
    "roof_leak": ("漏雨", "渗水", "屋顶漏", "防水", "屋面", "天花板", "楼顶漏", "顶楼漏", "屋里漏",
                  "就漏", "渗漏", "水帘洞", "油毡", "发霉", "长毛", "霉斑", "吊顶"),
    "stairs": ("台阶", "踏步", "梯步", "梯道", "坡道", "扶手", "防滑条"),
    "railing": ("护栏断", "护栏缺", "护栏坏", "护栏破", "护栏倒", "护栏损", "护栏松", "护栏被",
                "补上护栏", "栏杆坏", "栏杆断", "栏杆锈", "栏杆松", "栏杆缺"),
    "fence": ("围墙破", "围墙倒", "围墙塌", "钻进来", "个缺口", "墙缺口", "现缺口", "围墙坍塌"),
    "window": ("窗户损坏", "窗户坏", "窗户破", "更换窗户", "窗户换", "窗框", "楼道窗户"),
    "hoarding": ("围挡", "铁皮"),
    "canopy": ("玻璃", "顶棚", "雨棚"),
    "aircon": ("空调外机", "外机", "支架", "空调架", "空调水", "空调滴水"),
    "site": ("塔吊", "吊车", "吊装", "吊臂", "脚手架", "安全网", "防护网", "防护棚"),
    "fall_risk": ("花盆", "鱼缸", "坠落", "太阳能板"),
    "throwing": ("高空抛物", "抛物", "往下扔", "楼上扔", "从楼上扔", "往楼下扔"),
    "intruder": ("可疑", "陌生人", "徘徊", "拽门", "小偷", "被偷", "盗窃", "被盗", "入室", "偷窃",
                 "偷手机", "被撬", "撬车", "撬了", "撬开", "冒领", "尾随", "丢车", "丢电动车",
                 "门把手", "被人拿走", "晃悠", "盯着小孩", "无关人员", "转悠", "陌生男人"),
    "rowdy": ("打架", "斗殴", "聚众", "赌博", "滋事", "闹事", "醉酒", "喝醉", "索要财物",
              "社会青年", "无业青年", "勒索", "拦住学生", "骚扰"),
    "fraud": ("诈骗", "骗子", "冒充", "推销", "保健品", "受骗", "被骗", "防诈", "理疗仪", "假药",
              "三无"),
    "animals": ("狗屎", "狗粪", "大型犬", "不拴绳", "流浪狗", "流浪猫", "野狗", "野猫", "咬人",
                "咬伤", "狗咬", "养狗", "烈犬", "鸽子", "家禽", "养鸡", "活禽", "狗", "猫", "拴绳",
                "牵绳", "活鸡", "活鸭", "宰杀", "犬", "吠"),
    "pests": ("消杀", "灭鼠", "灭蚊", "鼠患", "蟑螂", "白蚁", "老鼠", "鼠迹", "耗子", "蚊子",
              "蚊虫", "蚊蝇", "生蛆", "苍蝇"),
    "river": ("漂着", "漂浮", "死鱼", "河水", "黑臭", "水葫芦", "蓝藻", "电鱼", "河沟", "掉水里",
              "落水", "溺水", "救生圈", "河边", "捕鱼", "电捕", "翻白"),
    "toilet": ("公厕", "公共厕所", "旱厕", "厕所太脏", "厕所脏", "厕所"),
    "cleaning": ("没人扫", "没人打扫", "无人打扫", "无人清扫", "扫大街", "拖过地", "拖地", "没人拖",
                 "保洁不到位", "扫得不干净"),
    "meals": ("送饭", "助餐", "做饭费劲", "老年餐"),
    "workplace": ("叉车", "货架", "防护罩", "冲床"),
    "ice": ("结冰", "冻上", "冰面", "溜冰", "撒盐", "除冰", "打滑", "全是冰", "片冰", "冻成冰",
            "冰", "冻结", "融雪", "铲冰", "滑倒"),
    "wasps": ("马蜂", "胡蜂", "黄蜂", "蜂窝", "蜂巢", "野蜂", "蜇", "蛰"),
    "fireworks": ("鞭炮", "烟花", "炮仗", "爆竹", "礼花", "放炮"),
    "fire": ("着火", "起火", "失火", "火灾", "火情", "冒烟", "浓烟", "烧起来", "过火", "扑灭",
             "消防救援", "烧毁"),
    "parcels": ("快递", "包裹", "快件", "快递柜"),
    "markings": ("斑马线", "标线", "人行横道", "减速带", "交通标志", "路牌"),
    # Places that contain a thing's word but are not the thing: found, then dropped.
    _PLACE: ("冰箱", "冰柜", "冰水", "冰棍", "冰淇淋", "冰激凌", "冰块", "机动车道", "非机动车道",
             "烧烤店", "饭店", "电梯口", "电梯间", "电梯旁"),
    "worksite": ("工地", "施工", "在建", "工程车"),
    "vagrant": ("流浪汉", "流浪人员", "乞讨", "烂尾楼", "人员滞留", "救助站"),
}
# fmt: on
# Things that one problem shows as, seen from different sides (a burst main
# floods the road, heaves the asphalt and leaves the houses without water).
RELATED: set[frozenset[str]] = {
    frozenset(pair)
    for pair in (
        ("pipe", "flooding"),
        ("pipe", "water"),
        ("pipe", "pothole"),
        ("pipe", "paving"),
        ("sewage", "manhole"),
        ("sewage", "smell"),
        ("sewage", "flooding"),
        ("rubbish", "smell"),
        ("rubbish", "bins"),
        ("fumes", "smell"),
        ("gas", "smell"),
        ("parking", "clutter"),
        ("charging", "power"),
        ("tree", "power"),
        ("roof_leak", "pipe"),
        ("facade", "roof_leak"),
        ("noise", "night_works"),
        ("paving", "pothole"),
        # A missing gully grate floods the street; a branch on the line, a sagging
        # overhead line or a flying lead is the same fault as the outage it causes.
        ("manhole", "flooding"),
        ("tree", "wires"),
        ("wires", "power"),
        ("wires", "charging"),
        # A cracked wall or slab lets the rain in and sheds its render.
        ("structure", "roof_leak"),
        ("structure", "facade"),
        # Goods piled in the stairwell are what blocks the fire escape.
        ("fire_exit", "clutter"),
        # Smells from a dirty public toilet, a black river, a pigeon loft.
        ("toilet", "smell"),
        ("river", "smell"),
        ("river", "rubbish"),
        ("animals", "smell"),
        # Seen together in the reports of one problem (co-occurrence in the training set,
        # kept where the link is plain): the water that froze, the rats at the rubbish, the
        # muck nobody sweeps, the lawn fenced in, the fire and its smoke, the bikes parked.
        ("ice", "water"),
        ("ice", "pipe"),
        ("pests", "smell"),
        ("pests", "rubbish"),
        ("pests", "bins"),
        ("cleaning", "mud"),
        ("cleaning", "rubbish"),
        ("building", "lawn"),
        ("building", "tree"),
        ("building", "shopfront"),
        ("fire", "fumes"),
        ("fire", "smell"),
        ("fire", "power"),
        ("bikes", "parking"),
        ("clutter", "rubbish"),
        ("fireworks", "noise"),
        ("fireworks", "hazmat"),
        ("animals", "noise"),
        ("bins", "smell"),
        ("roof_leak", "water"),
        ("lift", "power"),
        ("worksite", "night_works"),
        ("worksite", "noise"),
        ("worksite", "mud"),
        ("worksite", "site"),
        ("worksite", "hoarding"),
        # A building gone dark is the outage; ice is the water that froze; a restaurant
        # spilling outside is its tables, smoke, noise and drunks; what is thrown down is
        # rubbish; a broken gate lets thieves in.
        ("lamp", "power"),
        ("ice", "flooding"),
        ("fumes", "shopfront"),
        ("noise", "shopfront"),
        ("stall", "shopfront"),
        ("rowdy", "noise"),
        ("rowdy", "shopfront"),
        ("throwing", "rubbish"),
        ("animals", "rubbish"),
        ("gate", "intruder"),
    )
}
# A clause that says what the report is NOT about names no thing of it:
# "不是车站那个没盖的井，是路中间的坑".
_NOT_THIS = re.compile(
    r"(不是|并非|不属于|跟|和)[^，。,；;！!？?]*(不是一回事|不是一个|不是同一|没关系|无关|不用修|是好的|倒不管)|不是[^，。,；;！!？?]*"
)
# Traffic lights: named so, their "灯" is not a street lamp's.
_SIGNAL = re.compile(r"红绿灯|信号灯|红灯|绿灯|黄灯")
# Things put up around a problem, not the problem: "井盖缺失，已放置锥桶".
_INCIDENTAL = re.compile(r"锥桶|警戒线|警示牌|围起来")


@dataclass(frozen=True)
class Report:
    """A report as the duplicate search sees it."""

    id: str
    text: str
    lat: float
    lng: float
    at: datetime.datetime
    category: str | None = None
    topics: dict[str, float] = field(default_factory=dict, compare=False)


@dataclass
class Features:
    """What the comparison needs of a report, computed once."""

    bigrams: frozenset[str]
    things: frozenset[str]
    # The classifier's top categories with their probabilities (may be empty).
    topics: dict[str, float] = field(default_factory=dict)
    # The thing the report names first: what it is mainly about (None if it names none).
    main: str | None = None
    # Building and house numbers it names ("7号楼", "东港路32号"): "4号楼" and "5号楼"
    # next to each other are two buildings, and usually two problems.
    places: frozenset[str] = frozenset()
    # It says it is about another one of its kind than one reported before ("第二根灯杆").
    other_one: bool = False


def features(text: str, topics: dict[str, float] | None = None) -> Features:
    return from_reading(reading(text), topics)


def reading(text: str) -> dict[str, Any]:
    """What a text says for the comparison, as JSON: stored with a case when it comes in.

    The costly part of ``features`` (the lexicon and the patterns), done once
    per case instead of once per comparison; ``from_reading`` turns it back.
    """
    core = _BOILERPLATE.sub("", normalise(text))
    said = _SIGNAL.sub("信号机", _INCIDENTAL.sub("", _NOT_THIS.sub("", text)))
    things, main = _things_in(said)
    return {
        "version": READING_VERSION,
        "core": core,
        "things": sorted(things),
        "main": main,
        "places": sorted(_places_in(said)),
        "other_one": _OTHER_ONE.search(text) is not None,
    }


def from_reading(stored: dict[str, Any], topics: dict[str, float] | None = None) -> Features:
    core = stored["core"]
    return Features(
        # Each character joined to the next: the text's bigrams (map: faster than a generator).
        bigrams=frozenset(map(operator.add, core, core[1:])),
        things=frozenset(stored["things"]),
        topics=topics or {},
        main=stored["main"],
        places=frozenset(stored["places"]),
        other_one=stored["other_one"],
    )


def features_of(text: str, stored: Any, topics: dict[str, float] | None = None) -> Features:
    """Features from a stored reading, or from the text when none of this version is stored."""
    if isinstance(stored, dict) and stored.get("version") == READING_VERSION:
        return from_reading(stored, topics)
    return features(text, topics)


# Words of a report that sets itself apart from another of the same kind nearby.
_OTHER_ONE = re.compile(
    r"第[二三四五六七2-7][根基个盏处块棵座]|另[一外]|又一[根个盏处块]|隔壁那|旁边那[根个盏]|"
    r"不是一回事|不是一个|不是同一|不是那个|不是前面|跟[^，。]{0,12}不是"
)


# A number that names a building or a house: "7号楼", "七号楼", "32号院", "东港路41号"; not a
# metro line, a lift, a parking space or a unit ("2号线", "2号梯", "3号车位", "2单元").
_PLACE_NUMBER = re.compile(
    r"([0-9０-９一二三四五六七八九十]{1,3})(?:号楼|栋|号院|号(?![线梯机车位门口]))"
)
_DIGITS = {c: str(i) for i, c in enumerate("零一二三四五六七八九")} | {
    c: str(i) for i, c in enumerate("０１２３４５６７８９")
}


def _number(said: str) -> str:
    """'七' -> '7', '十二' -> '12', '３２' -> '32', '32' -> '32'."""
    if "十" in said:
        tens, _, units = said.partition("十")
        return str(
            int(_DIGITS.get(tens, "1") if tens else "1") * 10 + int(_DIGITS.get(units, "0") or 0)
        )
    return "".join(_DIGITS.get(c, c) for c in said)


# Which one of a row: "第二根灯杆", "第一基路灯", "第3个井盖".
_ORDINAL = re.compile(r"第([0-9一二三四五六七八九十]{1,2})[根基盏个棵处座块]")


def _places_in(text: str) -> frozenset[str]:
    places: set[str] = set()
    if "号" in text or "栋" in text:
        places.update(_number(m) for m in _PLACE_NUMBER.findall(text))
    if "第" in text:
        places.update("#" + _number(m) for m in _ORDINAL.findall(text))
    return frozenset(places)


def _words_by_prefix() -> tuple[dict[str, str], dict[str, list[tuple[str, str]]]]:
    """One-character words, and the longer ones by their first two characters, longest first."""
    single: dict[str, str] = {}
    longer: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for thing, words in THINGS.items():
        for word in words:
            if len(word) == 1:
                single[word] = thing
            else:
                longer[word[:2]].append((word, thing))
    for candidates in longer.values():
        candidates.sort(key=lambda item: -len(item[0]))
    return single, dict(longer)


_SINGLE, _BY_PREFIX = _words_by_prefix()


def _things_in(text: str) -> tuple[frozenset[str], str | None]:
    """Every thing one of whose words occurs in ``text``, and the first one named.

    One pass; a word inside a longer word found before does not count ("装修垃圾" is
    debris, not also rubbish; in "机动车道" there is no parked "机动车"), overlapping words
    both do ("下水井盖": the sewer and its cover).
    """
    found: dict[str, None] = {}
    covered = 0  # the end of the longest word found so far
    for i in range(len(text)):
        for word, thing in _BY_PREFIX.get(text[i : i + 2], ()):
            if text.startswith(word, i):
                if i + len(word) > covered:
                    found[thing] = None
                    covered = i + len(word)
                break
        else:
            if i >= covered:
                one = _SINGLE.get(text[i])
                if one is not None:
                    found[one] = None
    found.pop(_PLACE, None)
    return frozenset(found), next(iter(found), None)


def distance_m(lat1: float, lng1: float, lat2: float, lng2: float) -> float:
    """Equirectangular distance in metres: exact enough below a kilometre."""
    x = math.radians(lng2 - lng1) * math.cos(math.radians((lat1 + lat2) / 2))
    y = math.radians(lat2 - lat1)
    return 6_371_000.0 * math.hypot(x, y)


def wording(a: Features, b: Features) -> float:
    if not a.bigrams or not b.bigrams:
        return 0.0
    return len(a.bigrams & b.bigrams) / len(a.bigrams | b.bigrams)


def topic_overlap(a: dict[str, float], b: dict[str, float]) -> float:
    """Shared probability mass of two category distributions (the classifier's top three)."""
    return sum(min(p, b.get(code, 0.0)) for code, p in a.items())


# What a pair of reports is described by, for the score: place, time, and how the things
# they name, the classifier's reading and the wording compare.
# Changes with the lexicon and the patterns: readings stored under another version are
# read again from the text (cases from before an upgrade).
READING_VERSION = hashlib.sha1(
    repr(
        (
            sorted(THINGS.items()),
            sorted(sorted(pair) for pair in RELATED),
            [
                pattern.pattern
                for pattern in (
                    _BOILERPLATE,
                    _NOT_THIS,
                    _SIGNAL,
                    _INCIDENTAL,
                    _OTHER_ONE,
                    _PLACE_NUMBER,
                    _ORDINAL,
                )
            ],
        )
    ).encode()
).hexdigest()[:12]


PAIR_FEATURES = (
    "close",  # 1 at the same point, 0 at RADIUS_M
    "recent",  # 1 at the same time, 0 at WINDOW apart
    "things_jaccard",  # shared things over all things named
    "things_shared",  # they name a thing in common
    "things_related",  # no thing in common, but related ones (a burst pipe, the flooding)
    "things_conflict",  # both name things, none shared or related
    "one_names_nothing",  # one names a known thing, the other none
    "none_named",  # neither names a known thing
    "main_same",  # what each is mainly about (the first thing named) is the same
    "main_named",  # what one is mainly about, the other names too (not as its main)
    "topic",  # topic_overlap of the classifier's readings
    "wording",  # wording(): shared character bigrams
    "places_same",  # they name the same building or house number
    "places_differ",  # both name building or house numbers, none in common
    "rule",  # the hand-made score (rule_score): things, then topic and wording
    "other_one",  # one says it is another one of the kind ("第二根", "另一个", "不是一回事")
    "topic_unnamed",  # topic, when one or both name no known thing
    "wording_unnamed",  # wording, when one or both name no known thing
    "topic_conflict",  # topic, when the things named conflict
)


def pair_features(a: Features, b: Features, metres: float, gap: datetime.timedelta) -> list[float]:
    """The PAIR_FEATURES of two reports ``metres`` and ``gap`` apart, in that order."""
    shared = a.things & b.things
    both = bool(a.things) and bool(b.things)
    related = both and not shared and _related(a.things, b.things)
    main_same = a.main is not None and a.main == b.main
    main_named = not main_same and (a.main in b.things or b.main in a.things)
    places = a.places & b.places
    unnamed = not a.things or not b.things
    conflict = both and not shared and not related
    topic = topic_overlap(a.topics, b.topics)
    words = wording(a, b)
    jaccard = len(shared) / len(a.things | b.things) if shared else 0.0
    return [
        1.0 - metres / RADIUS_M,
        1.0 - abs(gap) / WINDOW,
        jaccard,
        1.0 if shared else 0.0,
        1.0 if related else 0.0,
        1.0 if conflict else 0.0,
        1.0 if bool(a.things) != bool(b.things) else 0.0,
        1.0 if not a.things and not b.things else 0.0,
        1.0 if main_same else 0.0,
        1.0 if main_named else 0.0,
        topic,
        words,
        1.0 if places else 0.0,
        1.0 if a.places and b.places and not places else 0.0,
        _rule(metres, topic, words, both, jaccard, related),
        1.0 if a.other_one or b.other_one else 0.0,
        topic if unnamed else 0.0,
        words if unnamed else 0.0,
        topic if conflict else 0.0,
    ]


def _related(a: frozenset[str], b: frozenset[str]) -> bool:
    return any(frozenset((x, y)) in RELATED for x in a for y in b)


def rule_score(a: Features, b: Features, metres: float) -> float:
    """The hand-made score: shared things, related things, or else topic and wording."""
    shared = a.things & b.things
    return _rule(
        metres,
        topic_overlap(a.topics, b.topics),
        wording(a, b),
        bool(a.things) and bool(b.things),
        len(shared) / len(a.things | b.things) if shared else 0.0,
        not shared and _related(a.things, b.things),
    )


def _rule(
    metres: float, topic: float, words: float, both: bool, jaccard: float, related: bool
) -> float:
    closeness = 1.0 - metres / (2 * RADIUS_M)
    if both:
        if jaccard:
            return closeness * (0.5 + jaccard + 0.5 * topic)
        if related:
            return closeness * (0.4 + 0.5 * topic)
        return 0.0
    # One of them names no known thing: only the classifier's reading can tell.
    if topic < TOPIC_MIN:
        return 0.0
    return closeness * (0.2 + topic + words)


# Written by ``python -m gridgov.algorithms.dedupe_fit --write`` from the training set
# gridgov/algorithms/data/duplicates_train.jsonl (every pair of reports within RADIUS_M and
# WINDOW, labelled one problem or not): VETO, under which one report's score keeps a new
# report out of that report's problem in find_duplicates; the weights of PAIR_FEATURES and
# the intercept of the logistic regression.
VETO = 6.0
WEIGHTS: tuple[float, ...] = (
    0.107,  # close
    0.49,  # recent
    1.154,  # things_jaccard
    -0.041,  # things_shared
    1.105,  # things_related
    -1.529,  # things_conflict
    0.151,  # one_names_nothing
    0.314,  # none_named
    0.311,  # main_same
    0.07,  # main_named
    2.732,  # topic
    -1.551,  # wording
    0.933,  # places_same
    -3.585,  # places_differ
    2.235,  # rule
    -1.305,  # other_one
    1.012,  # topic_unnamed
    -0.068,  # wording_unnamed
    0.333,  # topic_conflict
)
INTERCEPT = -2.923


def same_problem(a: Features, b: Features, metres: float, gap: datetime.timedelta) -> float:
    """How sure we are that two reports are one problem: 0 (no) or more; above 0 means yes.

    ``gap`` is the time from the earlier report to the later one. Beyond RADIUS_M or
    WINDOW they never are; within, the score is the log-odds of a logistic regression over
    the pair's features (PAIR_FEATURES), and among several candidates the highest wins.
    """
    if metres > RADIUS_M or abs(gap) > WINDOW:
        return 0.0
    score = log_odds(a, b, metres, gap)
    return score if score > 0 else 0.0


def log_odds(a: Features, b: Features, metres: float, gap: datetime.timedelta) -> float:
    """The pair score before it is cut at 0: negative when the two look like two problems."""
    x = pair_features(a, b, metres, gap)
    # As many weights as features: test_dedupe checks it; map is twice a zip's speed here.
    return INTERCEPT + sum(map(operator.mul, WEIGHTS, x))


@dataclass
class _Cluster:
    root: str


@dataclass
class _Seen:
    report: Report
    features: Features
    cluster: _Cluster


# Spatial hash cells of about 110 m: a 3 × 3 block covers RADIUS_M around any point.
_CELL_DEG = 0.001


def _cell(lat: float, lng: float) -> tuple[int, int]:
    return math.floor(lat / _CELL_DEG), math.floor(lng / _CELL_DEG)


def _cell_number(row: int, col: int) -> int:
    return (row + 90_000) * 400_000 + (col + 180_000)


def cell_number(lat: float, lng: float) -> int:
    """The spatial hash cell of a point as one integer (stored on cases, indexed)."""
    return _cell_number(*_cell(lat, lng))


def cells_around(lat: float, lng: float) -> list[int]:
    """The cell of the point and its eight neighbours: every point within RADIUS_M."""
    row, col = _cell(lat, lng)
    return [_cell_number(row + dr, col + dc) for dr in (-1, 0, 1) for dc in (-1, 0, 1)]


def cells_within(lat: float, lng: float, metres: float = RADIUS_M) -> list[int]:
    """The cells that hold some point within ``metres`` of the point (4 of the 9, mostly)."""
    dlat = math.degrees(metres / 6_371_000.0)
    dlng = dlat / max(math.cos(math.radians(lat)), 0.01)
    top, left = _cell(lat - dlat, lng - dlng)
    bottom, right = _cell(lat + dlat, lng + dlng)
    return [
        _cell_number(row, col) for row in range(top, bottom + 1) for col in range(left, right + 1)
    ]


@dataclass
class DuplicateFinder:
    """Feed reports in time order; each is matched against the earlier ones near it."""

    cells: dict[tuple[int, int], deque[_Seen]] = field(default_factory=lambda: defaultdict(deque))

    def add(self, report: Report) -> str | None:
        mine = features(report.text, report.topics)
        row, col = _cell(report.lat, report.lng)
        # For each problem seen near: its best score with this report, and its worst.
        best: dict[int, float] = {}
        worst: dict[int, float] = {}
        clusters: dict[int, _Cluster] = {}
        for dr in (-1, 0, 1):
            for dc in (-1, 0, 1):
                bucket = self.cells.get((row + dr, col + dc))
                if not bucket:
                    continue
                # Drop what fell out of the window: reports come in time order.
                while bucket and report.at - bucket[0].report.at > WINDOW:
                    bucket.popleft()
                for seen in bucket:
                    metres = distance_m(report.lat, report.lng, seen.report.lat, seen.report.lng)
                    if metres > RADIUS_M:
                        continue
                    score = log_odds(mine, seen.features, metres, report.at - seen.report.at)
                    key = id(seen.cluster)
                    clusters[key] = seen.cluster
                    best[key] = max(score, best.get(key, score))
                    worst[key] = min(score, worst.get(key, score))
        # The best-scoring problem, unless one of its reports is clearly another problem
        # (the next lamp post: like the last report of the row, unlike the first).
        chosen: _Cluster | None = None
        chosen_score = 0.0
        for key, score in best.items():
            if score > chosen_score and worst[key] > -VETO:
                chosen, chosen_score = clusters[key], score
        cluster = chosen if chosen is not None else _Cluster(root=report.id)
        self.cells[(row, col)].append(_Seen(report, mine, cluster))
        return cluster.root if chosen is not None else None


def find_duplicates(reports: Iterable[Report]) -> dict[str, str | None]:
    """For each report id: the id of the earliest report of the same problem, or None."""
    finder = DuplicateFinder()
    return {report.id: finder.add(report) for report in sorted(reports, key=lambda r: (r.at, r.id))}


def pairwise_f1(
    predicted: dict[str, str | None], truth: dict[str, str]
) -> tuple[float, float, float]:
    """Precision, recall and F1 over all pairs of reports put in the same problem."""

    def pairs(groups: dict[str, list[str]]) -> set[tuple[str, str]]:
        return {(a, b) for members in groups.values() for a in members for b in members if a < b}

    clusters: dict[str, list[str]] = defaultdict(list)
    for report_id, root in predicted.items():
        clusters[root or report_id].append(report_id)
    problems: dict[str, list[str]] = defaultdict(list)
    for report_id, problem in truth.items():
        problems[problem].append(report_id)
    mine, real = pairs(clusters), pairs(problems)
    hits = len(mine & real)
    precision = hits / len(mine) if mine else 1.0
    recall = hits / len(real) if real else 1.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def rules_only(reports: Sequence[Report], metres: float = RADIUS_M) -> dict[str, str | None]:
    """The baseline: place, time and category alone (what the text adds is measured against it)."""
    result: dict[str, str | None] = {}
    roots: list[tuple[Report, str]] = []
    for report in sorted(reports, key=lambda r: (r.at, r.id)):
        match = None
        for earlier, root in reversed(roots):
            if report.at - earlier.at > WINDOW:
                break
            same_kind = (
                not report.category or not earlier.category or report.category == earlier.category
            )
            if same_kind and distance_m(report.lat, report.lng, earlier.lat, earlier.lng) <= metres:
                match = root
                break
        result[report.id] = match
        roots.append((report, match or report.id))
    return result
