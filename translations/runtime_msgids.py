"""Msgids that the pages translate at run time through a variable, e.g. ``_(level_labels[level])``.

``pybabel extract`` only sees string literals inside ``_()``, so these Chinese labels are listed here
(babel.cfg extracts this file) to get them into messages.pot and the English catalog.
This file is never imported. tests/test_translations.py reads the real dictionaries and fails when
one of their labels has no English translation: add the new label here, then ``make translations``.
"""


def _(msgid):
    return msgid


# server/models/ratings.py LEVELS — the five levels of the national 好差评 scheme.
_("非常满意")
_("满意")
_("基本满意")
_("不满意")
_("非常不满意")

# server/models/ratings.py FLAGS — problems an enterprise may tick on a rating.
_("超范围服务")
_("强制推销")
_("未按约定到场")
_("其他违规")

# server/models/standing.py STANDING_LABELS — a provider's standing under an agency.
_("良好")
_("预警")
_("暂停赋码")
_("退出")
_("已恢复")

# templates/macros.html status_chip — code and visit states (standings as above).
_("待审核")
_("生效中")
_("已过期")
_("已撤销")
_("已驳回")
_("已完成")
_("服务中")
_("已离开")

# server/web/provider.py RULE_LABELS — why a standing changed, on the provider's standing page.
_("差评次数达到退出线")
_("满意率低于预警线")
_("满意率低于暂停赋码线")
_("满意率低于退出线")
_("委托单位确认了强制推销或超范围服务")
_("委托单位决定退出")
_("委托单位决定恢复")

# server/web/__init__.py _HTTP_MESSAGES — the message of an error page.
_("请求有误")
_("无权访问此页面")
_("找不到该页面或记录")
_("不支持该操作")
_("提交的内容过大")
_("操作过于频繁，请稍后再试")
_("请求失败")

# server/domain/catalog.py CATEGORY_KINDS — kinds of service category (admin catalogue).
_("咨询")
_("检测")
_("维护")

# server/domain/stats.py FORMULA — the satisfaction-rate formula on the agency dashboard.
_("满意率 =（非常满意 + 满意 + 基本满意）÷ 全部评价")

# Not used yet. The top bar's sign-out button (templates/base.html) shares the msgid "退出" with the
# standing "exited" and the agency's exit button, so in English it can only read "Exit". Once the
# button says _("退出登录") it gets its own translation, "Sign out", already in the catalog.
_("退出登录")

# server/domain/notify.py KINDS — the kind of a notification, on the messages page (预警, 暂停赋码 and
# 退出 as above).
_("恢复")
_("新差评")
_("差评处理逾期")
_("红线问题认定")

# server/web/governance.py SCAN_REASON_LABELS — why a scan failed, on the agency's failed-scans page.
_("不是服务码")
_("伪造或篡改")
_("查无此码")
_("已重新签发的旧码")
_("尚未审核")
_("已驳回")
_("机构已退出")
_("已撤销")
_("未到有效期")
_("已过有效期")
_("动态码已过期")
_("须出示动态码")
_("非本企业的码")
_("超出服务范围")
