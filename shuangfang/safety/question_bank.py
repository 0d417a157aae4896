"""The platform's exam question bank, as plain data.

Use units train and test their 安全总监 (safety directors) and 安全员 (safety officers), and county regulators
spot-check them (抽查考核), under 市场监管总局令第74号《特种设备使用单位落实使用安全主体责任监督管理规定》
(in force 2023-05-05).  These are the platform's own questions for those exams; a unit's own questions live in the
database only.  ``safety.services.sync_question_bank`` loads this tuple into ``Question`` rows (no organization)
keyed by ``code``.  The module imports nothing from Django, so that it can be checked without a database
(``validate_bank``).

A question's ``code`` names it for good: never reuse or renumber one.  ``roles`` is empty when the question suits
every role, else the Order 74 roles it is for; ``equipment_category`` is empty when it suits every category, else
the catalog category (X000) it is about.  Questions are written in Chinese, the language of the rules they test.

Topics and sources (each question cites its own):

* ``order_74``: 市场监管总局令第74号.  Each equipment chapter repeats the same rules under its own article numbers,
  so a question about every category cites the order alone; a question about elevators cites the elevator chapter
  (第六十九条起) and one about in-site vehicles the vehicle chapter (第一百三十五条至第一百四十九条).
* ``laws``: 特种设备安全法 and 特种设备安全监察条例; TSG 08-2017《特种设备使用管理规则》 (staffing thresholds
  2.3–2.4, suspension); TSG Z6001-2019 and 市场监管总局公告2019年第3号 (certificates); TSG 11-2020, TSG 21-2016 and
  TSG T7001-2023 (inspection intervals); 市场监管总局令第57号 art 24–25 (serious hazards, major violations).
  TSG 08-2026 replaces TSG 08-2017 from 2026-05-01: the questions citing TSG 08-2017 name it in their text and
  are to be checked against the new rule.
* ``gb_45067``: GB 45067-2024《特种设备重大事故隐患判定准则》 (in force 2024-12-01), clauses 4.1–4.10 of the
  published standard (not the "5.x" numbering of its draft).
"""

from collections.abc import Iterable
from typing import NamedTuple

TOPICS = ("laws", "order_74", "gb_45067")
KINDS = ("single", "multiple", "judge")
ROLES = ("principal", "safety_director", "safety_officer")
# The use-registered categories of 《特种设备目录》 (2014); cylinders (2300) are asked under 2000.
CATEGORIES = ("1000", "2000", "3000", "4000", "5000", "6000", "8000", "9000")
JUDGE_OPTIONS = ("正确", "错误")
CODE_MAX_LENGTH = 40  # Question.code
CITATION_MAX_LENGTH = 200  # Question.citation


class BankQuestion(NamedTuple):
    code: str  # stable unique id, e.g. "o74-daily-01"; never reuse or renumber
    topic: str  # one of TOPICS
    kind: str  # one of KINDS
    text: str
    options: tuple[str, ...]  # judge questions: JUDGE_OPTIONS
    answer: tuple[int, ...]  # indexes into options; single/judge: exactly one; multiple: two or more
    roles: tuple[str, ...]  # () = everyone; else a subset of ROLES
    equipment_category: str  # "" = every category; else one of CATEGORIES
    citation: str


QUESTIONS: tuple[BankQuestion, ...] = (
    # 市场监管总局令第74号：岗位、日管控周排查月调度、记录、隐患上报、培训考核与履职保护
    BankQuestion(
        code="o74-scope-01",
        topic="order_74",
        kind="single",
        text="《特种设备使用单位落实使用安全主体责任监督管理规定》（市场监管总局令第74号）自何时起施行？",
        options=("2023年4月4日", "2023年5月5日", "2023年7月1日", "2024年12月1日"),
        answer=(1,),
        roles=(),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-scope-02",
        topic="order_74",
        kind="judge",
        text="房屋建筑工地和市政工程工地上使用的起重机械、场（厂）内专用机动车辆，适用市场监管总局令第74号的规定。",
        options=JUDGE_OPTIONS,
        answer=(1,),
        roles=(),
        equipment_category="",
        citation="市场监管总局令第74号第二条",
    ),
    BankQuestion(
        code="o74-scope-03",
        topic="order_74",
        kind="multiple",
        text="下列特种设备使用单位中，适用市场监管总局令第74号的有（ ）。",
        options=("锅炉使用单位", "气瓶使用单位", "房屋建筑工地上塔式起重机的使用单位", "大型游乐设施使用单位"),
        answer=(0, 1, 3),
        roles=(),
        equipment_category="",
        citation="市场监管总局令第74号第一条、第二条",
    ),
    BankQuestion(
        code="o74-roles-01",
        topic="order_74",
        kind="single",
        text=(
            "依据市场监管总局令第74号，电梯使用单位配备电梯安全总监和电梯安全员，"
            "对本单位电梯使用安全全面负责的是（ ）。"
        ),
        options=("电梯安全员", "电梯安全总监", "单位主要负责人", "电梯维护保养单位"),
        answer=(2,),
        roles=(),
        equipment_category="3000",
        citation="市场监管总局令第74号第六十九条",
    ),
    BankQuestion(
        code="o74-roles-02",
        topic="order_74",
        kind="single",
        text=(
            "电梯使用单位应当根据本单位电梯的数量、用途、"
            "使用环境等情况，配备电梯安全总监和足够数量的电梯安全员，"
            "并（ ）。"
        ),
        options=(
            "逐台明确负责的电梯安全员",
            "按每10台电梯配备1名安全员",
            "由电梯维护保养单位指派安全员",
            "由电梯安全总监兼任全部安全员",
        ),
        answer=(0,),
        roles=("principal", "safety_director"),
        equipment_category="3000",
        citation="市场监管总局令第74号第七十一条",
    ),
    BankQuestion(
        code="o74-roles-03",
        topic="order_74",
        kind="judge",
        text="市场监管总局令第74号按设备种类设置安全总监和安全员，同一使用单位可以分别任命电梯安全总监和锅炉安全总监。",
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=("principal", "safety_director"),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-roles-04",
        topic="order_74",
        kind="single",
        text="依据市场监管总局令第74号，安全总监直接对（ ）负责。",
        options=("本单位安全员", "县级市场监督管理部门", "特种设备检验机构", "本单位主要负责人"),
        answer=(3,),
        roles=("safety_director", "safety_officer"),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-head-01",
        topic="order_74",
        kind="judge",
        text=(
            "电梯使用单位主要负责人应当支持和保障电梯安全总监、电梯安全员依法开展工作，"
            "在作出涉及电梯安全的重大决策前，应当充分听取他们的意见和建议。"
        ),
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=(),
        equipment_category="3000",
        citation="市场监管总局令第74号第七十条",
    ),
    BankQuestion(
        code="o74-escal-01",
        topic="order_74",
        kind="single",
        text="电梯安全员在检查中发现电梯存在严重事故隐患时，应当（ ）。",
        options=(
            "在每日检查记录中注明，待周排查时统一处理",
            "立即责令停止使用并向电梯安全总监报告",
            "通知维护保养单位在下次维保时处理",
            "先请示主要负责人，同意后再决定是否停用",
        ),
        answer=(1,),
        roles=(),
        equipment_category="3000",
        citation="市场监管总局令第74号第七十条",
    ),
    BankQuestion(
        code="o74-escal-02",
        topic="order_74",
        kind="single",
        text="电梯安全员在检查中发现一般事故隐患时，正确的处置是（ ）。",
        options=(
            "立即停止使用并报告市场监督管理部门",
            "留待每月安全调度会议研究",
            "立即进行整改，或者通知电梯维护保养单位予以整改",
            "报告检验机构，由其出具整改意见",
        ),
        answer=(2,),
        roles=(),
        equipment_category="3000",
        citation="市场监管总局令第74号第七十条",
    ),
    BankQuestion(
        code="o74-escal-03",
        topic="order_74",
        kind="judge",
        text=(
            "场（厂）内专用机动车辆安全员发现严重事故隐患的，应当立即责令停止使用并向安全总监报告；"
            "安全总监应当立即分析研判，采取处置措施，消除严重事故隐患。"
        ),
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=(),
        equipment_category="5000",
        citation="市场监管总局令第74号第一百三十六条",
    ),
    BankQuestion(
        code="o74-comp-01",
        topic="order_74",
        kind="multiple",
        text="依据市场监管总局令第74号，安全总监和安全员应当具备的条件包括（ ）。",
        options=(
            "熟悉特种设备相关法律法规、安全技术规范和标准",
            "具备识别和防控相关安全风险的能力",
            "具备履行岗位职责的能力",
            "持有特种设备检验检测人员资格证书",
        ),
        answer=(0, 1, 2),
        roles=("safety_director", "safety_officer"),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-dir-01",
        topic="order_74",
        kind="multiple",
        text="下列属于场（厂）内专用机动车辆（以下简称场车）安全总监职责的有（ ）。",
        options=(
            "组织宣传、贯彻场车有关的法律法规、安全技术规范及相关标准",
            "组织制定场车事故应急专项预案，并组织开展应急演练",
            "对场车安全员进行安全教育和技术培训，监督、指导其做好相关工作",
            "代替检验机构出具场车定期检验报告",
        ),
        answer=(0, 1, 2),
        roles=("safety_director",),
        equipment_category="5000",
        citation="市场监管总局令第74号第一百三十九条",
    ),
    BankQuestion(
        code="o74-off-01",
        topic="order_74",
        kind="multiple",
        text="下列属于场（厂）内专用机动车辆（以下简称场车）安全员职责的有（ ）。",
        options=(
            "建立健全场车安全技术档案并办理使用登记",
            "主持每月安全调度会议并部署下月重点工作",
            "对场车使用状况进行日常巡检",
            "编制定期检验计划，督促落实定期检验和隐患治理工作",
            "组织对场车作业人员进行教育和培训",
        ),
        answer=(0, 2, 3, 4),
        roles=("safety_officer",),
        equipment_category="5000",
        citation="市场监管总局令第74号第一百四十条",
    ),
    BankQuestion(
        code="o74-list-01",
        topic="order_74",
        kind="single",
        text=(
            "依据市场监管总局令第74号，使用单位应当根据本单位设备情况建立（ ），"
            "并建立健全日管控、周排查、月调度工作制度。"
        ),
        options=("特种设备采购计划", "检验机构名录", "维护保养单位考核表", "安全风险管控清单"),
        answer=(3,),
        roles=(),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-daily-01",
        topic="order_74",
        kind="single",
        text="“日管控、周排查、月调度”中，每日根据风险管控清单对在用设备进行检查的是（ ）。",
        options=("主要负责人", "安全总监", "安全员", "维护保养单位"),
        answer=(2,),
        roles=(),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-daily-02",
        topic="order_74",
        kind="single",
        text="电梯安全员每日根据风险管控清单检查在用电梯后，应当形成的记录是（ ）。",
        options=(
            "《每周电梯安全排查治理报告》",
            "《每日电梯安全检查记录》",
            "《每月电梯安全调度会议纪要》",
            "《特种设备停用报废注销登记表》",
        ),
        answer=(1,),
        roles=("safety_director", "safety_officer"),
        equipment_category="3000",
        citation="市场监管总局令第74号第七十六条",
    ),
    BankQuestion(
        code="o74-daily-03",
        topic="order_74",
        kind="judge",
        text="安全员当日检查未发现安全风险隐患的，可以不作记录。",
        options=JUDGE_OPTIONS,
        answer=(1,),
        roles=(),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-daily-04",
        topic="order_74",
        kind="single",
        text="场（厂）内专用机动车辆安全员在每日检查中发现安全风险隐患时，应当（ ）。",
        options=(
            "立即采取防范措施，及时上报安全总监",
            "仅在检查记录中注明，不采取其他措施",
            "等待周排查时统一处理",
            "直接向市场监督管理部门报告，不告知安全总监",
        ),
        answer=(0,),
        roles=("safety_officer",),
        equipment_category="5000",
        citation="市场监管总局令第74号第一百四十二条",
    ),
    BankQuestion(
        code="o74-weekly-01",
        topic="order_74",
        kind="single",
        text="依据市场监管总局令第74号，安全总监应当每周至少组织（ ）风险隐患排查。",
        options=("一次", "两次", "三次", "每个工作日一次"),
        answer=(0,),
        roles=(),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-weekly-02",
        topic="order_74",
        kind="single",
        text="场（厂）内专用机动车辆安全总监组织周排查后，应当形成（ ）。",
        options=(
            "《每日场车安全检查记录》",
            "《每月场车安全调度会议纪要》",
            "《每周场车安全排查治理报告》",
            "《场车安全风险管控清单》",
        ),
        answer=(2,),
        roles=("safety_director", "safety_officer"),
        equipment_category="5000",
        citation="市场监管总局令第74号第一百四十三条",
    ),
    BankQuestion(
        code="o74-weekly-03",
        topic="order_74",
        kind="multiple",
        text="电梯安全总监组织的周排查，应当包括的工作有（ ）。",
        options=(
            "组织开展风险隐患排查",
            "分析研判电梯使用安全管理情况",
            "研究解决日管控中发现的问题",
            "组织对全部电梯进行定期检验",
        ),
        answer=(0, 1, 2),
        roles=("safety_director",),
        equipment_category="3000",
        citation="市场监管总局令第74号第七十七条",
    ),
    BankQuestion(
        code="o74-monthly-01",
        topic="order_74",
        kind="single",
        text=(
            "“月调度”是指（ ）每月至少听取一次安全总监的管理情况汇报，"
            "对当月工作进行总结，对下个月重点工作作出调度安排。"
        ),
        options=("安全员", "县级市场监督管理部门", "特种设备检验机构", "主要负责人"),
        answer=(3,),
        roles=(),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-monthly-02",
        topic="order_74",
        kind="single",
        text="电梯使用单位召开月调度会议后，应当形成（ ）。",
        options=(
            "《每月电梯安全调度会议纪要》",
            "《每周电梯安全排查治理报告》",
            "《每日电梯安全检查记录》",
            "《电梯安全员守则》",
        ),
        answer=(0,),
        roles=("principal", "safety_director"),
        equipment_category="3000",
        citation="市场监管总局令第74号第七十八条",
    ),
    BankQuestion(
        code="o74-monthly-03",
        topic="order_74",
        kind="judge",
        text=(
            "场（厂）内专用机动车辆使用单位的月调度，应当总结当月日常管理、"
            "风险隐患排查治理等情况，并研究部署下个月的重点工作。"
        ),
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=("principal", "safety_director"),
        equipment_category="5000",
        citation="市场监管总局令第74号第一百四十四条",
    ),
    BankQuestion(
        code="o74-cycle-01",
        topic="order_74",
        kind="judge",
        text="“日管控、周排查、月调度”中，周排查由安全员组织开展，安全总监只需审阅排查报告。",
        options=JUDGE_OPTIONS,
        answer=(1,),
        roles=(),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-rec-01",
        topic="order_74",
        kind="multiple",
        text="场（厂）内专用机动车辆（以下简称场车）使用单位应当存档备查的材料有（ ）。",
        options=(
            "场车安全总监、安全员的任命和变更情况",
            "场车安全风险管控清单",
            "场车安全总监职责、场车安全员守则",
            "日管控、周排查、月调度的履职记录",
            "员工考勤表",
        ),
        answer=(0, 1, 2, 3),
        roles=("principal", "safety_director"),
        equipment_category="5000",
        citation="市场监管总局令第74号第一百四十五条",
    ),
    BankQuestion(
        code="o74-sup-01",
        topic="order_74",
        kind="judge",
        text="市场监督管理部门在监督检查中，将使用单位日管控、周排查、月调度的记录和隐患整改情况作为重点检查内容。",
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=(),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-train-01",
        topic="order_74",
        kind="single",
        text="县级市场监督管理部门对使用单位安全总监、安全员进行抽查考核时，依据的是（ ）。",
        options=(
            "市场监管总局制定的使用安全管理人员考核指南",
            "使用单位自行编制的考试题库",
            "特种设备检验机构的检验规则",
            "特种设备作业人员考试大纲",
        ),
        answer=(0,),
        roles=("safety_director", "safety_officer"),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-train-02",
        topic="order_74",
        kind="judge",
        text=(
            "安全总监、安全员经市场监督管理部门抽查考核不合格的，使用单位应当重新配备合格人员，不得由其继续担任该岗位。"
        ),
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=("principal", "safety_director"),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-train-03",
        topic="order_74",
        kind="single",
        text="对本单位安全总监和安全员进行培训和考核，并做好记录的责任主体是（ ）。",
        options=("特种设备检验机构", "维护保养单位", "使用单位", "设备制造单位"),
        answer=(2,),
        roles=("principal", "safety_director"),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-prot-01",
        topic="order_74",
        kind="judge",
        text=(
            "场（厂）内专用机动车辆安全总监、安全员提出的意见建议被使用单位或者主要负责人无正当理由拒绝的，"
            "视为安全总监、安全员已经依法履职尽责，不予处罚。"
        ),
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=(),
        equipment_category="5000",
        citation="市场监管总局令第74号第一百四十八条",
    ),
    BankQuestion(
        code="o74-prot-02",
        topic="order_74",
        kind="single",
        text="安全总监、安全员依法提出的意见建议被使用单位无正当理由拒绝的，对安全总监、安全员（ ）。",
        options=(
            "视为已经依法履职尽责，不予处罚",
            "与主要负责人承担同等责任",
            "一律从重处罚",
            "由使用单位决定是否处罚",
        ),
        answer=(0,),
        roles=("safety_director", "safety_officer"),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-pen-01",
        topic="order_74",
        kind="single",
        text=(
            "使用单位未按规定建立相关制度，或者未按规定配备、培训、考核安全总监和安全员的，"
            "由市场监督管理部门责令改正并给予通报批评；拒不改正的，处（ ）罚款。"
        ),
        options=("2000元以上1万元以下", "5000元以上5万元以下", "1万元以上3万元以下", "10万元以上20万元以下"),
        answer=(1,),
        roles=("principal", "safety_director"),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-cycle-02",
        topic="order_74",
        kind="multiple",
        text="依据市场监管总局令第74号，下列关于“日管控、周排查、月调度”的说法，正确的有（ ）。",
        options=(
            "安全员每日根据风险管控清单检查在用设备，形成每日安全检查记录",
            "安全总监每周至少组织一次风险隐患排查，形成每周安全排查治理报告",
            "主要负责人每月至少听取一次安全总监汇报，形成每月安全调度会议纪要",
            "日管控当日未发现问题的，可以不作记录",
        ),
        answer=(0, 1, 2),
        roles=(),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    BankQuestion(
        code="o74-roles-05",
        topic="order_74",
        kind="multiple",
        text="依据市场监管总局令第74号，使用单位落实特种设备使用安全主体责任涉及的岗位有（ ）。",
        options=("主要负责人", "安全总监", "安全员", "检验机构检验人员"),
        answer=(0, 1, 2),
        roles=("principal", "safety_director"),
        equipment_category="",
        citation="市场监管总局令第74号",
    ),
    # 法律法规和安全技术规范：特种设备安全法、安全监察条例、TSG 08、TSG Z6001、检验周期
    BankQuestion(
        code="law-reg-01",
        topic="laws",
        kind="single",
        text=(
            "特种设备使用单位应当在特种设备投入使用前或者投入使用后（ ）日内，"
            "向负责特种设备安全监督管理的部门办理使用登记。"
        ),
        options=("10", "15", "30", "60"),
        answer=(2,),
        roles=(),
        equipment_category="",
        citation="特种设备安全法第三十三条",
    ),
    BankQuestion(
        code="law-reg-02",
        topic="laws",
        kind="judge",
        text="特种设备的登记标志应当置于或者附着于该特种设备的显著位置。",
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=(),
        equipment_category="",
        citation="特种设备安全监察条例第二十五条",
    ),
    BankQuestion(
        code="law-file-01",
        topic="laws",
        kind="multiple",
        text="特种设备安全技术档案应当包括的内容有（ ）。",
        options=(
            "设计文件、产品质量合格证明、使用维护说明等文件以及安装技术文件和资料",
            "定期检验和定期自行检查记录",
            "日常使用状况记录",
            "运行故障和事故记录",
            "作业人员工资发放记录",
        ),
        answer=(0, 1, 2, 3),
        roles=("safety_director", "safety_officer"),
        equipment_category="",
        citation="特种设备安全法第三十五条",
    ),
    BankQuestion(
        code="law-self-01",
        topic="laws",
        kind="single",
        text="使用单位对在用特种设备应当至少（ ）进行一次自行检查，并作出记录。",
        options=("每周", "每月", "每季度", "每年"),
        answer=(1,),
        roles=("safety_director", "safety_officer"),
        equipment_category="",
        citation="特种设备安全监察条例第二十七条",
    ),
    BankQuestion(
        code="law-maint-01",
        topic="laws",
        kind="multiple",
        text="依据特种设备安全法，使用单位对在用特种设备应当做好的工作有（ ）。",
        options=(
            "进行经常性维护保养",
            "进行定期自行检查，并作出记录",
            "对安全附件、安全保护装置进行定期校验、检修，并作出记录",
            "自行出具定期检验报告，代替检验机构检验",
        ),
        answer=(0, 1, 2),
        roles=("safety_director", "safety_officer"),
        equipment_category="",
        citation="特种设备安全法第三十九条",
    ),
    BankQuestion(
        code="law-insp-01",
        topic="laws",
        kind="single",
        text="使用单位应当在特种设备检验合格有效期届满前（ ）向特种设备检验机构提出定期检验要求。",
        options=("7日", "15日", "1个月", "3个月"),
        answer=(2,),
        roles=(),
        equipment_category="",
        citation="特种设备安全法第四十条",
    ),
    BankQuestion(
        code="law-insp-02",
        topic="laws",
        kind="multiple",
        text="关于特种设备定期检验，下列说法正确的有（ ）。",
        options=(
            "使用单位应当在检验合格有效期届满前1个月向检验机构提出定期检验要求",
            "未经定期检验的特种设备，不得继续使用",
            "定期检验不合格的特种设备，不得继续使用",
            "检验有效期届满后，设备运行正常的可以先使用、再报检",
        ),
        answer=(0, 1, 2),
        roles=(),
        equipment_category="",
        citation="特种设备安全法第四十条",
    ),
    BankQuestion(
        code="law-life-01",
        topic="laws",
        kind="single",
        text="特种设备达到设计使用年限，使用单位认为可以继续使用的，应当（ ）。",
        options=(
            "无需办理任何手续，直接继续使用",
            "经维护保养单位同意后继续使用",
            "按照安全技术规范的要求通过检验或者安全评估，并办理使用登记证书变更",
            "一律报废，不得继续使用",
        ),
        answer=(2,),
        roles=("principal", "safety_director"),
        equipment_category="",
        citation="特种设备安全法第四十八条",
    ),
    BankQuestion(
        code="law-scrap-01",
        topic="laws",
        kind="judge",
        text=(
            "特种设备报废时，使用单位应当采取必要措施消除该特种设备的使用功能，"
            "并向原登记的部门办理使用登记证书注销手续。"
        ),
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=("safety_director", "safety_officer"),
        equipment_category="",
        citation="特种设备安全法第四十八条",
    ),
    BankQuestion(
        code="law-susp-01",
        topic="laws",
        kind="single",
        text=(
            "按照《特种设备使用管理规则》（TSG 08-2017），特种设备拟停用1年以上的，"
            "使用单位应当采取有效的保护措施并设置停用标志，在停用后（ ）日内告知登记机关。"
        ),
        options=("10", "15", "30", "60"),
        answer=(2,),
        roles=("safety_director", "safety_officer"),
        equipment_category="",
        citation="TSG 08-2017",
    ),
    BankQuestion(
        code="law-tsg-body-01",
        topic="laws",
        kind="single",
        text=(
            "按照TSG 08-2017，使用各类特种设备（不含气瓶）总量达到（ ）台以上的使用单位，应当设置特种设备安全管理机构。"
        ),
        options=("20", "30", "50", "100"),
        answer=(2,),
        roles=("principal", "safety_director"),
        equipment_category="",
        citation="TSG 08-2017 2.3",
    ),
    BankQuestion(
        code="law-tsg-body-02",
        topic="laws",
        kind="multiple",
        text="按照TSG 08-2017，下列使用单位中应当设置特种设备安全管理机构的有（ ）。",
        options=(
            "使用电站锅炉或者石油化工、化工成套装置的",
            "使用客运架空索道或者客运缆车的",
            "使用各类特种设备（不含气瓶）总量50台以上的",
            "仅使用5台第Ⅲ类固定式压力容器、无其他特种设备的",
        ),
        answer=(0, 1, 2),
        roles=("principal", "safety_director"),
        equipment_category="",
        citation="TSG 08-2017 2.3",
    ),
    BankQuestion(
        code="law-tsg-body-03",
        topic="laws",
        kind="single",
        text=(
            "按照TSG 08-2017，在学校、医疗机构、商场等公众聚集场所使用（ ）台以上电梯的使用单位，"
            "应当设置特种设备安全管理机构。"
        ),
        options=("10", "20", "30", "50"),
        answer=(2,),
        roles=("principal", "safety_director"),
        equipment_category="3000",
        citation="TSG 08-2017 2.3",
    ),
    BankQuestion(
        code="law-tsg-off-01",
        topic="laws",
        kind="single",
        text="按照TSG 08-2017，使用各类特种设备（不含气瓶）总量达到（ ）台以上的使用单位，应当配备专职安全管理员。",
        options=("10", "20", "30", "50"),
        answer=(1,),
        roles=("principal", "safety_director"),
        equipment_category="",
        citation="TSG 08-2017 2.4.2.2.2",
    ),
    BankQuestion(
        code="law-tsg-off-02",
        topic="laws",
        kind="single",
        text="按照TSG 08-2017，使用（ ）台以上第Ⅲ类固定式压力容器的使用单位，应当配备专职安全管理员。",
        options=("3", "5", "10", "20"),
        answer=(1,),
        roles=("principal", "safety_director"),
        equipment_category="2000",
        citation="TSG 08-2017 2.4.2.2.2",
    ),
    BankQuestion(
        code="law-tsg-off-03",
        topic="laws",
        kind="multiple",
        text="按照TSG 08-2017，下列使用单位中应当配备专职安全管理员的有（ ）。",
        options=(
            "使用额定工作压力大于或者等于2.5MPa锅炉的",
            "从事移动式压力容器或者气瓶充装的",
            "使用10公里以上工业管道的",
            "仅使用10台叉车、无其他特种设备的",
        ),
        answer=(0, 1, 2),
        roles=("principal", "safety_director"),
        equipment_category="",
        citation="TSG 08-2017 2.4.2.2.2",
    ),
    BankQuestion(
        code="law-tsg-off-04",
        topic="laws",
        kind="judge",
        text=(
            "按照TSG 08-2017，不需要配备专职安全管理员的使用单位，可以配备兼职安全管理员，"
            "也可以委托具有特种设备安全管理人员资格的人员负责使用管理，但特种设备使用安全的责任仍由使用单位承担。"
        ),
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=("principal", "safety_director"),
        equipment_category="",
        citation="TSG 08-2017 2.4",
    ),
    BankQuestion(
        code="law-tsg-mgr-01",
        topic="laws",
        kind="single",
        text="按照TSG 08-2017，应当设置特种设备安全管理机构的使用单位，其安全管理负责人应当取得的资格证书是（ ）。",
        options=("特种设备安全管理（A）", "起重机司机（Q2）", "电梯修理（T）", "叉车司机（N1）"),
        answer=(0,),
        roles=("principal", "safety_director"),
        equipment_category="",
        citation="TSG 08-2017 2.4",
    ),
    BankQuestion(
        code="law-cert-01",
        topic="laws",
        kind="single",
        text="特种设备安全管理和作业人员资格证书的有效期为（ ）。",
        options=("2年", "3年", "4年", "5年"),
        answer=(2,),
        roles=(),
        equipment_category="",
        citation="TSG Z6001-2019",
    ),
    BankQuestion(
        code="law-cert-02",
        topic="laws",
        kind="single",
        text=(
            "按照TSG Z6001-2019，特种设备安全管理和作业人员资格证书需要复审的，"
            "持证人员应当在证书有效期届满（ ）提出复审申请。"
        ),
        options=("前1个月", "前3个月", "后1个月内", "前6个月"),
        answer=(0,),
        roles=(),
        equipment_category="",
        citation="TSG Z6001-2019",
    ),
    BankQuestion(
        code="law-cert-03",
        topic="laws",
        kind="single",
        text="依据《特种设备作业人员资格认定分类与项目》，叉车司机的作业项目代号是（ ）。",
        options=("N2", "Q2", "N1", "A"),
        answer=(2,),
        roles=(),
        equipment_category="5000",
        citation="市场监管总局公告2019年第3号",
    ),
    BankQuestion(
        code="law-cert-04",
        topic="laws",
        kind="single",
        text="依据《特种设备作业人员资格认定分类与项目》，起重机司机的作业项目代号是（ ）。",
        options=("Q1", "Q2", "N1", "T"),
        answer=(1,),
        roles=(),
        equipment_category="4000",
        citation="市场监管总局公告2019年第3号",
    ),
    BankQuestion(
        code="law-emerg-01",
        topic="laws",
        kind="judge",
        text="特种设备使用单位应当制定特种设备事故应急专项预案，并定期进行事故应急演练。",
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=("principal", "safety_director"),
        equipment_category="",
        citation="特种设备安全监察条例第六十五条",
    ),
    BankQuestion(
        code="law-53-01",
        topic="laws",
        kind="single",
        text="特种设备检验机构及其检验人员在检验中发现特种设备存在严重事故隐患时，应当（ ）。",
        options=(
            "仅在检验报告中注明，由使用单位自行处理",
            "待下次定期检验时复核",
            "只向设备制造单位通报",
            "及时告知相关单位，并立即向负责特种设备安全监督管理的部门报告",
        ),
        answer=(3,),
        roles=(),
        equipment_category="",
        citation="特种设备安全法第五十三条",
    ),
    BankQuestion(
        code="law-o57-01",
        topic="laws",
        kind="multiple",
        text="依据《特种设备安全监督检查办法》（市场监管总局令第57号），下列属于严重事故隐患的有（ ）。",
        options=(
            "未经监督检验或者经检验、检测不合格，继续使用",
            "安全附件、安全保护装置缺失或者失灵，继续使用",
            "超过规定参数、使用范围使用",
            "设备外表面油漆轻微脱落",
        ),
        answer=(0, 1, 2),
        roles=(),
        equipment_category="",
        citation="市场监管总局令第57号第二十五条",
    ),
    BankQuestion(
        code="law-o57-02",
        topic="laws",
        kind="judge",
        text="依据市场监管总局令第57号，被检查单位对严重事故隐患不予整改或者消除的，属于重大违法行为。",
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=("principal", "safety_director"),
        equipment_category="",
        citation="市场监管总局令第57号第二十四条",
    ),
    BankQuestion(
        code="law-boil-01",
        topic="laws",
        kind="single",
        text="按照TSG 11-2020，锅炉外部检验一般每（ ）进行一次。",
        options=("半年", "年", "2年", "3年"),
        answer=(1,),
        roles=("safety_director", "safety_officer"),
        equipment_category="1000",
        citation="TSG 11-2020",
    ),
    BankQuestion(
        code="law-boil-02",
        topic="laws",
        kind="single",
        text="按照TSG 11-2020，锅炉内部检验一般每（ ）进行一次。",
        options=("1年", "2年", "3年", "6年"),
        answer=(1,),
        roles=("safety_director", "safety_officer"),
        equipment_category="1000",
        citation="TSG 11-2020",
    ),
    BankQuestion(
        code="law-boil-03",
        topic="laws",
        kind="judge",
        text="按照TSG 11-2020，锅炉不论安全状况如何，每6年必须进行一次水（耐）压试验。",
        options=JUDGE_OPTIONS,
        answer=(1,),
        roles=("safety_director", "safety_officer"),
        equipment_category="1000",
        citation="TSG 11-2020",
    ),
    BankQuestion(
        code="law-elev-01",
        topic="laws",
        kind="single",
        text="按照TSG T7001-2023，电梯自监督检验日期起15年内，应当进行定期检验的年份是（ ），其他年份进行自行检测。",
        options=("每年", "第1、4、7、9、11、13、15年", "第1、3、5、7、9、11、13、15年", "每2年"),
        answer=(1,),
        roles=("safety_director", "safety_officer"),
        equipment_category="3000",
        citation="TSG T7001-2023",
    ),
    BankQuestion(
        code="law-elev-02",
        topic="laws",
        kind="judge",
        text="按照TSG T7001-2023，自监督检验日期起超过15年的电梯，每2年进行一次定期检验。",
        options=JUDGE_OPTIONS,
        answer=(1,),
        roles=("safety_director", "safety_officer"),
        equipment_category="3000",
        citation="TSG T7001-2023",
    ),
    BankQuestion(
        code="law-pv-01",
        topic="laws",
        kind="single",
        text="按照TSG 21-2016，固定式压力容器一般应当于投入使用后（ ）年内进行首次定期检验。",
        options=("1", "2", "3", "6"),
        answer=(2,),
        roles=("safety_director", "safety_officer"),
        equipment_category="2000",
        citation="TSG 21-2016",
    ),
    BankQuestion(
        code="law-susp-02",
        topic="laws",
        kind="multiple",
        text="按照TSG 08-2017，关于特种设备拟停用1年以上的下列做法，正确的有（ ）。",
        options=(
            "采取有效的保护措施，并设置停用标志",
            "在停用后30日内告知登记机关",
            "停用期间超过定期检验有效期的，重新启用前进行定期检验",
            "停用期间拆除登记标志后出借他人使用",
        ),
        answer=(0, 1, 2),
        roles=("safety_director", "safety_officer"),
        equipment_category="",
        citation="TSG 08-2017",
    ),
    # GB 45067-2024 特种设备重大事故隐患判定准则
    BankQuestion(
        code="gb-gen-01",
        topic="gb_45067",
        kind="single",
        text="《特种设备重大事故隐患判定准则》（GB 45067-2024）自（ ）起实施。",
        options=("2024年11月28日", "2024年12月1日", "2025年1月1日", "2025年5月1日"),
        answer=(1,),
        roles=(),
        equipment_category="",
        citation="GB 45067-2024",
    ),
    BankQuestion(
        code="gb-gen-02",
        topic="gb_45067",
        kind="judge",
        text="GB 45067-2024《特种设备重大事故隐患判定准则》是推荐性国家标准，使用单位可以自愿采用。",
        options=JUDGE_OPTIONS,
        answer=(1,),
        roles=(),
        equipment_category="",
        citation="GB 45067-2024",
    ),
    BankQuestion(
        code="gb-gen-03",
        topic="gb_45067",
        kind="single",
        text="GB 45067-2024规定的判定情形，除充装活动外，一般以特种设备存在所列情形且（ ）作为判定重大事故隐患的条件。",
        options=("已经发生事故", "仍继续使用", "已被监管部门立案查处", "已超过设计使用年限"),
        answer=(1,),
        roles=(),
        equipment_category="",
        citation="GB 45067-2024 第4章",
    ),
    BankQuestion(
        code="gb-gen-04",
        topic="gb_45067",
        kind="multiple",
        text="依据GB 45067-2024的通用判定情形，下列应当判定为重大事故隐患的有（ ）。",
        options=(
            "未经许可生产、国家明令淘汰、已经报废或者达到报废条件的特种设备仍继续使用",
            "特种设备发生事故后未对其进行全面检查、消除事故隐患，仍继续使用",
            "未按规定进行监督检验或者监督检验结论为不合格，仍继续使用",
            "特种设备操作规程未张贴上墙",
        ),
        answer=(0, 1, 2),
        roles=(),
        equipment_category="",
        citation="GB 45067-2024 4.1",
    ),
    BankQuestion(
        code="gb-gen-05",
        topic="gb_45067",
        kind="judge",
        text="已经达到报废条件的特种设备，只要经过维修仍能运行，继续使用就不属于重大事故隐患。",
        options=JUDGE_OPTIONS,
        answer=(1,),
        roles=(),
        equipment_category="",
        citation="GB 45067-2024 4.1 a)",
    ),
    BankQuestion(
        code="gb-gen-06",
        topic="gb_45067",
        kind="single",
        text="下列文件中，专门规定特种设备重大事故隐患判定情形的是（ ）。",
        options=("GB 45067-2024", "TSG 08-2017", "TSG Z6001-2019", "TSG T7001-2023"),
        answer=(0,),
        roles=(),
        equipment_category="",
        citation="GB 45067-2024",
    ),
    BankQuestion(
        code="gb-gen-07",
        topic="gb_45067",
        kind="judge",
        text="对照GB 45067-2024判定为重大事故隐患的特种设备，在隐患消除前应当停止使用。",
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=(),
        equipment_category="",
        citation="GB 45067-2024 第4章",
    ),
    BankQuestion(
        code="gb-boil-01",
        topic="gb_45067",
        kind="multiple",
        text="锅炉存在下列情形且仍继续使用的，应当判定为重大事故隐患的有（ ）。",
        options=(
            "安全阀（爆破片）缺失或者失效",
            "熄火保护装置缺失或者失效",
            "联锁保护装置缺失或者失效",
            "锅炉房内一盏照明灯损坏",
        ),
        answer=(0, 1, 2),
        roles=(),
        equipment_category="1000",
        citation="GB 45067-2024 4.2",
    ),
    BankQuestion(
        code="gb-boil-02",
        topic="gb_45067",
        kind="single",
        text="锅炉热工仪表失效或者控制电（气）源中断，无法监视、调整主要运行参数，仍继续使用的，应当判定为（ ）。",
        options=("一般事故隐患", "不属于事故隐患", "由使用单位自行认定", "重大事故隐患"),
        answer=(3,),
        roles=(),
        equipment_category="1000",
        citation="GB 45067-2024 4.2 b)",
    ),
    BankQuestion(
        code="gb-boil-03",
        topic="gb_45067",
        kind="judge",
        text="锅炉定期检验结论为“不符合要求”，仍继续使用的，应当判定为重大事故隐患。",
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=(),
        equipment_category="1000",
        citation="GB 45067-2024 4.2 a)",
    ),
    BankQuestion(
        code="gb-boil-04",
        topic="gb_45067",
        kind="single",
        text="电站锅炉（ ），仍继续使用的，应当判定为重大事故隐患。",
        options=(
            "锅炉房地面有积水",
            "操作人员值班表未及时更新",
            "主要汽水管道泄漏或者锅炉范围内连接管道爆破",
            "锅炉房门牌脱落",
        ),
        answer=(2,),
        roles=(),
        equipment_category="1000",
        citation="GB 45067-2024 4.2 g)",
    ),
    BankQuestion(
        code="gb-pv-01",
        topic="gb_45067",
        kind="judge",
        text="将固定式压力容器作为移动式压力容器使用的，应当判定为重大事故隐患。",
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=(),
        equipment_category="2000",
        citation="GB 45067-2024 4.3 b)",
    ),
    BankQuestion(
        code="gb-pv-02",
        topic="gb_45067",
        kind="single",
        text="快开门式压力容器的（ ）缺失或者失效仍继续使用的，应当判定为重大事故隐患。",
        options=("铭牌", "外表面防腐层", "操作规程牌", "快开门安全联锁装置"),
        answer=(3,),
        roles=(),
        equipment_category="2000",
        citation="GB 45067-2024 4.3 d)",
    ),
    BankQuestion(
        code="gb-pv-03",
        topic="gb_45067",
        kind="multiple",
        text="固定式或者移动式压力容器的下列装置中，缺失或者失效仍继续使用即应当判定为重大事故隐患的有（ ）。",
        options=("安全阀", "爆破片装置", "紧急切断装置", "设备铭牌"),
        answer=(0, 1, 2),
        roles=(),
        equipment_category="2000",
        citation="GB 45067-2024 4.3 c)",
    ),
    BankQuestion(
        code="gb-pv-04",
        topic="gb_45067",
        kind="single",
        text="下列氧舱情形中，仍继续使用即应当判定为重大事故隐患的是（ ）。",
        options=("舱体外表面积尘", "接地装置缺失或者失效", "舱内照明亮度偏低", "候诊区座椅不足"),
        answer=(1,),
        roles=(),
        equipment_category="2000",
        citation="GB 45067-2024 4.3 e)",
    ),
    BankQuestion(
        code="gb-fill-01",
        topic="gb_45067",
        kind="single",
        text="在移动式压力容器或者气瓶充装活动中，下列情形应当判定为重大事故隐患的是（ ）。",
        options=("充装记录字迹不清", "充装区域未设置宣传栏", "错装介质", "充装人员未统一着装"),
        answer=(2,),
        roles=(),
        equipment_category="2000",
        citation="GB 45067-2024 4.5 b)",
    ),
    BankQuestion(
        code="gb-fill-02",
        topic="gb_45067",
        kind="multiple",
        text="在移动式压力容器或者气瓶充装活动中，下列情形应当判定为重大事故隐患的有（ ）。",
        options=(
            "未经许可擅自从事充装",
            "错装介质",
            "充装设备设施上的紧急切断装置缺失或者失效，仍继续使用",
            "充装记录字迹不清",
        ),
        answer=(0, 1, 2),
        roles=(),
        equipment_category="2000",
        citation="GB 45067-2024 4.5",
    ),
    BankQuestion(
        code="gb-pipe-01",
        topic="gb_45067",
        kind="judge",
        text="压力管道定期检验结论为“不允许使用”，使用单位加强巡检后继续使用的，不属于重大事故隐患。",
        options=JUDGE_OPTIONS,
        answer=(1,),
        roles=(),
        equipment_category="8000",
        citation="GB 45067-2024 4.4 a)",
    ),
    BankQuestion(
        code="gb-elev-01",
        topic="gb_45067",
        kind="single",
        text="下列电梯情形中，仍继续使用即应当判定为重大事故隐患的是（ ）。",
        options=("轿厢内一盏照明灯损坏", "轿厢内安全使用须知破损", "机房门口警示标志褪色", "乘客电梯门锁回路被短接"),
        answer=(3,),
        roles=(),
        equipment_category="3000",
        citation="GB 45067-2024 4.6 b)",
    ),
    BankQuestion(
        code="gb-elev-02",
        topic="gb_45067",
        kind="multiple",
        text="依据GB 45067-2024，下列属于电梯重大事故隐患判定情形的有（ ）。",
        options=(
            "定期检验结论为“不合格”，仍继续使用",
            "限速器与安全钳联动试验不合格，仍继续使用",
            "自动扶梯、自动人行道紧急停止开关缺失或者失效，仍继续使用",
            "维护保养记录未及时归档",
        ),
        answer=(0, 1, 2),
        roles=(),
        equipment_category="3000",
        citation="GB 45067-2024 4.6",
    ),
    BankQuestion(
        code="gb-elev-03",
        topic="gb_45067",
        kind="single",
        text=(
            "自动扶梯或者自动人行道扶手带外缘与障碍物之间的距离小于（ ）mm，"
            "且未按要求设置防护挡板，仍继续使用的，应当判定为重大事故隐患。"
        ),
        options=("200", "300", "400", "500"),
        answer=(2,),
        roles=(),
        equipment_category="3000",
        citation="GB 45067-2024 4.6 e)",
    ),
    BankQuestion(
        code="gb-elev-04",
        topic="gb_45067",
        kind="judge",
        text="电梯门锁回路被短接后，只要安排专人值守，继续使用就不属于重大事故隐患。",
        options=JUDGE_OPTIONS,
        answer=(1,),
        roles=(),
        equipment_category="3000",
        citation="GB 45067-2024 4.6 b)",
    ),
    BankQuestion(
        code="gb-crane-01",
        topic="gb_45067",
        kind="multiple",
        text="起重机械的下列装置中，缺失或者失效仍继续使用即应当判定为重大事故隐患的有（ ）。",
        options=("起重量限制器", "起重力矩限制器", "防坠安全器", "司机室座椅"),
        answer=(0, 1, 2),
        roles=(),
        equipment_category="4000",
        citation="GB 45067-2024 4.7 d)",
    ),
    BankQuestion(
        code="gb-crane-02",
        topic="gb_45067",
        kind="single",
        text="室外有轨运行的起重机械，其（ ）缺失或者失效仍继续使用的，应当判定为重大事故隐患。",
        options=("抗风防滑装置", "司机室空调", "照明灯具", "安全警示标语"),
        answer=(0,),
        roles=(),
        equipment_category="4000",
        citation="GB 45067-2024 4.7 e)",
    ),
    BankQuestion(
        code="gb-crane-03",
        topic="gb_45067",
        kind="multiple",
        text="起重机械存在下列情形且仍继续使用的，应当判定为重大事故隐患的有（ ）。",
        options=(
            "应当进行首次检验而未经首次检验",
            "定期检验结论为“不合格”",
            "急停开关缺失或者失效",
            "司机室玻璃有污渍",
        ),
        answer=(0, 1, 2),
        roles=(),
        equipment_category="4000",
        citation="GB 45067-2024 4.7",
    ),
    BankQuestion(
        code="gb-crane-04",
        topic="gb_45067",
        kind="judge",
        text="起重机械急停开关失效，但司机操作熟练的，继续使用不属于重大事故隐患。",
        options=JUDGE_OPTIONS,
        answer=(1,),
        roles=(),
        equipment_category="4000",
        citation="GB 45067-2024 4.7 c)",
    ),
    BankQuestion(
        code="gb-veh-01",
        topic="gb_45067",
        kind="multiple",
        text="场（厂）内专用机动车辆存在下列情形且仍继续使用的，应当判定为重大事故隐患的有（ ）。",
        options=(
            "定期检验结论为“不合格”",
            "电动车辆的紧急断电开关缺失或者失效",
            "行车制动或者驻车制动装置缺失或者失效",
            "车身有轻微划痕",
        ),
        answer=(0, 1, 2),
        roles=(),
        equipment_category="5000",
        citation="GB 45067-2024 4.10",
    ),
    BankQuestion(
        code="gb-veh-02",
        topic="gb_45067",
        kind="single",
        text="非公路用旅游观光车辆存在下列情形，应当判定为重大事故隐患的是（ ）。",
        options=("车身广告褪色", "座椅套污损", "超过其最大运行坡度使用", "车内未张贴乘坐须知"),
        answer=(2,),
        roles=(),
        equipment_category="5000",
        citation="GB 45067-2024 4.10 e)",
    ),
    BankQuestion(
        code="gb-veh-03",
        topic="gb_45067",
        kind="judge",
        text="观光列车的牵引连接装置或者其二次保护装置缺失或者失效，仍继续使用的，应当判定为重大事故隐患。",
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=(),
        equipment_category="5000",
        citation="GB 45067-2024 4.10 d)",
    ),
    BankQuestion(
        code="gb-veh-04",
        topic="gb_45067",
        kind="judge",
        text="电动叉车的紧急断电开关失效后，只要行车制动正常，仍可继续使用，不属于重大事故隐患。",
        options=JUDGE_OPTIONS,
        answer=(1,),
        roles=(),
        equipment_category="5000",
        citation="GB 45067-2024 4.10 b)",
    ),
    BankQuestion(
        code="gb-ride-01",
        topic="gb_45067",
        kind="single",
        text="大型游乐设施的（ ）缺失或者失效仍继续使用的，应当判定为重大事故隐患。",
        options=("安全带、安全压杠、挡杆等乘客束缚装置", "排队区遮阳棚", "广播音响", "售票系统"),
        answer=(0,),
        roles=(),
        equipment_category="6000",
        citation="GB 45067-2024 4.9 b)",
    ),
    BankQuestion(
        code="gb-rope-01",
        topic="gb_45067",
        kind="judge",
        text="客运索道安全回路出现故障后，采用短接方法继续运行的，应当判定为重大事故隐患。",
        options=JUDGE_OPTIONS,
        answer=(0,),
        roles=(),
        equipment_category="9000",
        citation="GB 45067-2024 4.8 e)",
    ),
    BankQuestion(
        code="gb-rope-02",
        topic="gb_45067",
        kind="multiple",
        text="客运索道存在下列情形的，应当判定为重大事故隐患的有（ ）。",
        options=(
            "控制室、站台或者机房的紧急停车开关缺失或者失效，仍继续使用",
            "吊厢、吊篮、客车门不能锁闭且未停止运行",
            "辅助驱动装置或者备用电源不能正常启动，仍继续使用",
            "站台广告牌破损",
        ),
        answer=(0, 1, 2),
        roles=(),
        equipment_category="9000",
        citation="GB 45067-2024 4.8",
    ),
    BankQuestion(
        code="gb-ride-02",
        topic="gb_45067",
        kind="multiple",
        text="大型游乐设施存在下列情形且仍继续使用的，应当判定为重大事故隐患的有（ ）。",
        options=(
            "制动、限位、防碰撞及缓冲、止逆行或者限速装置缺失或者失效",
            "主要受力部件、重要焊缝或者重要螺栓出现裂纹、严重变形",
            "座舱舱门锁紧装置缺失或者失效",
            "排队区栏杆油漆脱落",
        ),
        answer=(0, 1, 2),
        roles=(),
        equipment_category="6000",
        citation="GB 45067-2024 4.9",
    ),
)


def validate_bank(questions: Iterable[BankQuestion] = QUESTIONS) -> list[str]:
    """The problems of a bank, one line each ("<code>: <problem>"); empty when the bank can be loaded."""
    problems: list[str] = []
    seen: set[str] = set()
    for q in questions:
        where = q.code or "(no code)"
        if q.code in seen:
            problems.append(f"{where}: duplicate code")
        seen.add(q.code)
        problems.extend(f"{where}: {problem}" for problem in _question_problems(q))
    return problems


def _question_problems(q: BankQuestion) -> list[str]:
    problems: list[str] = []
    if not q.code:
        problems.append("empty code")
    elif len(q.code) > CODE_MAX_LENGTH:
        problems.append(f"code longer than {CODE_MAX_LENGTH} characters")
    if q.topic not in TOPICS:
        problems.append(f"unknown topic {q.topic!r}")
    if q.kind not in KINDS:
        problems.append(f"unknown kind {q.kind!r}")
    if not q.text.strip():
        problems.append("empty text")

    options = tuple(q.options)
    if q.kind == "judge" and options != JUDGE_OPTIONS:
        problems.append(f"judge options must be {JUDGE_OPTIONS}")
    if q.kind in ("single", "multiple") and not 3 <= len(options) <= 5:
        problems.append(f"{len(options)} options, expected 3 to 5")
    if any(not option.strip() for option in options):
        problems.append("empty option")
    if len(set(options)) != len(options):
        problems.append("duplicate option")

    answer = tuple(q.answer)
    out_of_range = [i for i in answer if isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(options)]
    if out_of_range:
        problems.append(f"answer index out of range: {out_of_range}")
    distinct = len(set(answer))
    if distinct != len(answer):
        problems.append("repeated answer index")
    if q.kind in ("single", "judge") and len(answer) != 1:
        problems.append(f"{q.kind} question with {len(answer)} answers, expected exactly 1")
    if q.kind == "multiple":
        if distinct < 2:
            problems.append(f"multiple-choice question with {distinct} answers, expected 2 or more")
        elif distinct >= len(options):
            problems.append("multiple-choice question without a wrong option")

    unknown_roles = [role for role in q.roles if role not in ROLES]
    if unknown_roles:
        problems.append(f"unknown roles {unknown_roles}")
    if len(set(q.roles)) != len(q.roles):
        problems.append("repeated role")
    if q.equipment_category and q.equipment_category not in CATEGORIES:
        problems.append(f"unknown equipment category {q.equipment_category!r}")
    if not q.citation.strip():
        problems.append("empty citation")
    elif len(q.citation) > CITATION_MAX_LENGTH:
        problems.append(f"citation longer than {CITATION_MAX_LENGTH} characters")
    return problems
