"""Content for the demo catalogue and the vocabulary of the generated benchmark catalogue."""

from __future__ import annotations

import zlib
from typing import NamedTuple


class DemoHomestay(NamedTuple):
    title: str
    sub_title: str
    people_num: int
    row_type: int  # 0 per room, 1 per person
    price: int  # yuan per night
    market_price: int
    food_info: str
    food_price: int  # yuan per guest per day


class DemoBusiness(NamedTuple):
    title: str
    slug: str
    info: str
    boss_info: str
    tags: str
    star: float
    homestays: tuple[DemoHomestay, ...]


H = DemoHomestay

DEMO_BUSINESSES: tuple[DemoBusiness, ...] = (
    DemoBusiness(
        "洱海边的白族人家", "erhai", "大理双廊，推开窗就是洱海。Dali, Shuanglang, right on Erhai Lake.",
        "土生土长的白族老板，喜欢煮茶聊天。", "海景,白族院落,可停车", 4.9, (
            H("大理洱海边的白族小院", "Erhai Lakeside Courtyard", 4, 0, 468, 598, "白族三道茶+早餐", 48),
            H("双廊海景大床房", "Shuanglang Sea-view Double", 2, 0, 388, 520, "手作早餐", 35),
            H("苍山脚下的石头房", "Stone House below Cangshan", 6, 0, 899, 1180, "农家菜三餐", 88),
            H("洱海日出露台套房", "Sunrise Terrace Suite", 3, 0, 658, 799, "早餐+下午茶", 58),
            H("白族扎染主题青旅床位", "Tie-dye Hostel Bed", 1, 1, 89, 120, "简易早餐", 18),
        )),
    DemoBusiness(
        "丽江古城·纳西小筑", "lijiang", "丽江古城内，步行五分钟到四方街。Inside Lijiang Old Town.",
        "纳西族民宿主人，熟悉每一条小巷。", "古城,雪山,管家服务", 4.8, (
            H("纳西古院落四合院", "Naxi Courtyard House", 8, 0, 1288, 1599, "纳西火锅晚餐", 98),
            H("雪山景观阁楼房", "Jade Dragon View Loft", 2, 0, 428, 560, "云南米线早餐", 30),
            H("束河古镇溪边小屋", "Shuhe Creekside Cottage", 3, 0, 368, 450, "早餐", 25),
            H("古城石板路亲子房", "Family Room on the Cobblestones", 4, 0, 528, 680, "儿童早餐", 40),
        )),
    DemoBusiness(
        "莫干山竹林山居", "moganshan", "德清莫干山，竹海里的安静山居。Bamboo-forest retreat near Hangzhou.",
        "前建筑师，辞职回乡改造老屋。", "竹林,泳池,宠物友好", 4.7, (
            H("莫干山竹海无边泳池别墅", "Bamboo Infinity-pool Villa", 10, 0, 2688, 3280, "私厨晚宴", 168),
            H("山居禅意茶室房", "Zen Tea-room Retreat", 2, 0, 788, 980, "茶点+早餐", 68),
            H("竹林树屋", "Bamboo Treehouse", 2, 0, 958, 1200, "森林早餐篮", 58),
            H("庾村老宅改造民宿", "Yucun Heritage Farmhouse", 5, 0, 1088, 1388, "农家土菜", 78),
            H("溪谷露营帐篷", "Valley Glamping Tent", 2, 1, 299, 399, "烧烤套餐", 88),
        )),
    DemoBusiness(
        "鼓浪屿海风客栈", "gulangyu", "厦门鼓浪屿，百年老洋楼里的海风。A century-old villa on Gulangyu.",
        "钢琴老师，客栈里每晚有小型演奏。", "老洋楼,海景,钢琴", 4.6, (
            H("鼓浪屿百年老别墅", "Century Villa on Gulangyu", 6, 0, 1588, 1999, "闽南早餐", 45),
            H("钢琴主题海景房", "Piano Sea-view Room", 2, 0, 698, 880, "早餐", 38),
            H("菽庄花园旁庭院房", "Garden Courtyard Room", 3, 0, 598, 760, "早餐+沙茶面", 42),
            H("日光岩阁楼双床房", "Sunlight Rock Twin Loft", 2, 0, 458, 580, "早餐", 35),
        )),
    DemoBusiness(
        "阳朔遇龙河田园", "yangshuo", "桂林阳朔，遇龙河畔的田园与山峰。Karst peaks on the Yulong River.",
        "骑行爱好者，可带客人走乡间小路。", "田园,骑行,河景", 4.8, (
            H("遇龙河景观稻田小院", "Yulong River Paddy Courtyard", 4, 0, 568, 720, "啤酒鱼晚餐", 68),
            H("喀斯特山景大床房", "Karst Mountain-view Room", 2, 0, 398, 499, "桂林米粉早餐", 25),
            H("十里画廊竹筏主题房", "Bamboo-raft Themed Room", 3, 0, 458, 580, "早餐", 28),
            H("西街背包客床位", "West Street Backpacker Bed", 1, 1, 69, 99, "无", 0),
        )),
)

COMMENTS: tuple[tuple[int, str], ...] = (
    (5, "院子很美，老板人超好，早餐很用心，下次还来！"),
    (5, "推开窗就是风景，拍照特别出片。"),
    (4, "位置方便，房间干净，就是晚上有点吵。"),
    (5, "Lovely host and a spotless room. The breakfast was the highlight."),
    (4, "性价比很高，管家回复很及时。"),
    (3, "环境不错，但是停车有点不方便。"),
    (5, "带孩子来玩，老板准备了儿童用品，很贴心。"),
    (4, "Quiet, clean and close to everything. Would stay again."),
    (5, "床很舒服，一觉睡到自然醒。"),
    (4, "整体满意，热水很足，隔音一般。"),
)

# Vocabulary of the generated catalogue: city, scenery, kind (Chinese, English).
CITIES = (("大理", "Dali"), ("丽江", "Lijiang"), ("厦门", "Xiamen"), ("杭州", "Hangzhou"),
          ("桂林", "Guilin"), ("成都", "Chengdu"), ("三亚", "Sanya"), ("黄山", "Huangshan"),
          ("青岛", "Qingdao"), ("西双版纳", "Xishuangbanna"), ("婺源", "Wuyuan"), ("乌镇", "Wuzhen"))
SCENERY = (("湖景", "Lake-view"), ("海景", "Sea-view"), ("山景", "Mountain"), ("古城", "Old-town"),
           ("竹林", "Bamboo"), ("花园", "Garden"), ("田园", "Countryside"), ("溪畔", "Creekside"))
KINDS = (("小院", "Courtyard"), ("大床房", "Double Room"), ("亲子套房", "Family Suite"),
         ("别墅", "Villa"), ("阁楼", "Loft"), ("树屋", "Treehouse"), ("四合院", "Siheyuan"),
         ("床位", "Hostel Bed"))
FOODS = (("早餐", 30), ("早餐+下午茶", 55), ("农家菜三餐", 88), ("无", 0), ("私厨晚餐", 128))
TAGS = ("可停车", "宠物友好", "近景点", "管家服务", "泳池", "观景露台", "亲子", "免费接站")


# Our own illustrations, served by the web service under /static/demo/ (the edge routes
# /static/ to web in the split topology): the demo works offline and loads nothing from a
# third-party host. Relative URLs, so they follow whatever host and port the site is served on.
DEMO_PICTURES = ("lake", "courtyard", "mountain", "sunrise", "bamboo", "seaside", "karst",
                 "paddy", "oldtown", "stars", "garden")


def picture_url(index: int) -> str:
    return f"/static/demo/{DEMO_PICTURES[index % len(DEMO_PICTURES)]}.svg"


# The picture a homestay leads with, from words of its English sub-title (first match wins), so
# a "Sea-view" room opens on the sea; the other photos follow round the list.
_THEMES = (("tent", "stars"), ("glamping", "stars"), ("sunrise", "sunrise"),
           ("terrace", "sunrise"), ("bamboo", "bamboo"), ("treehouse", "bamboo"),
           ("zen", "bamboo"), ("lake", "lake"), ("erhai", "lake"), ("creek", "lake"),
           ("sea", "seaside"), ("piano", "seaside"), ("villa", "seaside"), ("karst", "karst"),
           ("river", "karst"), ("raft", "karst"), ("paddy", "paddy"), ("farm", "paddy"),
           ("countryside", "paddy"), ("cobblestone", "oldtown"), ("old", "oldtown"),
           ("hostel", "oldtown"), ("backpacker", "oldtown"), ("garden", "garden"),
           ("family", "garden"), ("mountain", "mountain"), ("stone", "mountain"),
           ("jade", "mountain"), ("rock", "mountain"), ("courtyard", "courtyard"),
           ("house", "courtyard"), ("siheyuan", "courtyard"))


def _start(key: str, hint: str = "") -> int:
    words = hint.lower()
    for word, picture in _THEMES:
        if word in words:
            return DEMO_PICTURES.index(picture)
    # crc32, not hash(): the same homestay gets the same pictures in every process and run.
    return zlib.crc32(key.encode())


def banner(slug: str, n: int, count: int = 3, hint: str = "") -> str:
    """Comma-separated banner URLs: `count` distinct demo pictures, stable per homestay, the
    first one fitting `hint` (the English sub-title) when a word of it has a picture."""
    start = _start(f"{slug}-{n}", hint)
    step = 1 + zlib.crc32(f"{slug}-{n}".encode()) % 3  # neighbours differ in their other photos
    return ",".join(picture_url(start + i * step) for i in range(min(count, len(DEMO_PICTURES))))


def image(kind: str, slug: str) -> str:
    return picture_url(_start(f"{kind}-{slug}"))
