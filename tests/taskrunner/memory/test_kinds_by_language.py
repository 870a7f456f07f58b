# ruff: noqa: RUF001 -- the example notes are Chinese and Japanese: full-width punctuation is real
"""Kinds people need, in the languages of the notes (taskrunner.memory.kinds, extract).

Every note here is written for these tests.
"""

from __future__ import annotations

import pytest

from taskrunner.memory.consolidate import DEFAULT_MIN_IMPORTANCE
from taskrunner.memory.extract import extract_items
from taskrunner.memory.kinds import KIND_IMPORTANCE, importance_of


def kinds(note: str) -> list[tuple[str, str]]:
    return [(item.kind, item.text) for item in extract_items(note)]


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("- User prefers short answers", "User prefers short answers"),
        ("- She likes the dark theme", "She likes the dark theme"),
        ("- Dislikes phone calls before 10", "Dislikes phone calls before 10"),
        ("- He doesn't want emojis in replies", "He doesn't want emojis in replies"),
        ("PREFERENCE: no emojis", "no emojis"),
        ("- **Preference:** answers in bullet points", "answers in bullet points"),
        ("- 馆长喜欢简短的回答", "馆长喜欢简短的回答"),
        ("- 不想收到周末的提醒", "不想收到周末的提醒"),
        ("- 偏好：深色主题", "深色主题"),
        ("- 朝のニュースは短いほうが好き", "朝のニュースは短いほうが好き"),
        ("- Ele prefere respostas curtas", "Ele prefere respostas curtas"),
        ("- Não gosta de reuniões longas", "Não gosta de reuniões longas"),
        ("- Предпочитает короткие ответы", "Предпочитает короткие ответы"),
        # said in the first person, or as a dislike
        ("- I like dark mode", "I like dark mode"),
        ("- Sam doesn't like phone calls", "Sam doesn't like phone calls"),
        ("- Prefiro café sem açúcar", "Prefiro café sem açúcar"),
        ("- Não gosto de reuniões cedo", "Não gosto de reuniões cedo"),
        ("- Предпочитаю чай", "Предпочитаю чай"),
        ("- Не люблю созвоны по утрам", "Не люблю созвоны по утрам"),
    ],
)
def test_preferences(line: str, text: str) -> None:
    assert kinds(line) == [("preference", text)]


@pytest.mark.parametrize(
    ("line", "text"),
    [
        ("- Always reply in English", "Always reply in English"),
        ("- Never post without approval", "Never post without approval"),
        ("- You must ask before deleting files", "You must ask before deleting files"),
        ("Rule: always explicit canonicalUrl", "always explicit canonicalUrl"),
        ("- New rule: wait for approval before bash commands", None),
        ("- 必须先备份再升级", "必须先备份再升级"),
        ("- 禁止在群里发截图", "禁止在群里发截图"),
        ("- 返信は必ず日本語で", "返信は必ず日本語で"),
        ("- Sempre responder em português", "Sempre responder em português"),
        ("- Никогда не публиковать без проверки", "Никогда не публиковать без проверки"),
        # "from now on" sets how things are done, in every language of the notes
        ("- From now on, reply in English", None),
        ("- Going forward we deploy on Fridays", None),
        ("- 馆长说从现在开始通过 Telegram 联系我", None),
        ("- 今后所有报告发到邮箱", None),
        ("- 今後は日本語で返信すること", None),
        ("- Впредь отвечай кратко", None),
        ("- A partir de agora, responda em português", None),
        # an instruction opening with a negation
        ("- Don't use emojis in replies to Ana", None),
        ("- Do not share the home address with anyone", None),
        ("- 别在周五部署", None),
        ("- 決して本番DBを直接触らない", None),
        ("- Запрещено деплоить в пятницу", None),
        ("- 一定要先备份再升级", None),
        # a verb that only ends in "-ed" gives the instruction, it tells no story
        ("- Never feed the cat after 8pm", None),
        ("- Passwords must exceed 12 characters", None),
        ("- Never exceed 90% token usage", None),
        ("- Do not exceed 80% token usage", None),
    ],
)
def test_rules(line: str, text: str | None) -> None:
    expected = text if text is not None else line[2:]
    assert kinds(line) == [("rule", expected)]


def test_never_telling_what_happened_is_no_rule() -> None:
    assert kinds("- We never agreed on a name") == [("fact", "We never agreed on a name")]
    assert kinds("- I don't know why it failed") == [("fact", "I don't know why it failed")]


@pytest.mark.parametrize(
    "line",
    [
        "- The migration is no longer blocked",
        "- Nothing is blocking the release anymore",
        "- 已经不卡住了",
        "- The build is unblocked",
    ],
)
def test_a_blocker_said_to_be_over_is_no_open_blocker(line: str) -> None:
    assert kinds(line) == [("fact", line[2:])]


def test_a_blocker_stays_open_when_another_clause_says_something_is_over() -> None:
    assert [kind for kind, _ in kinds("- Waiting on Sam, no more news")] == ["blocker"]
    assert [kind for kind, _ in kinds("- Blocked on disk space; the rest is resolved")] == [
        "blocker"
    ]


@pytest.mark.parametrize(
    "note",
    [
        "Reminder: dentist on Tuesday\n",
        "- Next: send the invoice\n",
        "- Pending prod approval: font and favicon\n",
        "## Next steps\n- send the invoice\n",
        "**下一步**：\n- 配置数据库连接\n",
        "### 明日のリマインダー\n- 10:00 クライアント確認\n",
        "- 提醒：周五交房租\n",
        "- Lembrete: pagar a conta de luz\n",
        "- Напоминание: продлить домен\n",
        "- Don't forget the passport\n",
        "- Pending review from Sam\n",
        "- 周五提醒馆长交房租\n",
    ],
)
def test_reminders(note: str) -> None:
    assert [kind for kind, _ in kinds(note)] == ["reminder"]


@pytest.mark.parametrize(
    "line",
    [
        "- Blocked on the bank's API approval",
        "- Waiting on Sam for the contract",
        "- ❌ Apollo.io API blocked (plan limitation)",
        "- Task 2: Reddit - 🔴 needs an account",
        "- BLOCKER: the VPN drops every hour",
        "- BLOCKED: no test device",
        "- 卡住了：证书还没下来",
        "- Aguardando aprovação do banco",
        "- Moltbook API：暂时不可用（404 错误）",
        "- The NAS is unreachable since the router update",
        "- Сервис недоступен с утра",
        "- APIが利用できない",
    ],
)
def test_blockers(line: str) -> None:
    assert [kind for kind, _ in kinds(line)] == ["blocker"]


@pytest.mark.parametrize(
    ("line", "kind"),
    [
        ("- todo: call the plumber", "todo"),
        ("- Todo: call the plumber", "todo"),
        ("- FIXME: the flaky login test", "todo"),
        ("- fixme: the flaky login test", "todo"),
        ("- The cache is stale — TODO: purge it", "todo"),
        ("- 决定：用 SQLite", "decision"),
        ("- Decidimos usar SQLite", "decision"),
        ("- Решили оставить Postgres", "decision"),
        ("- 已完成数据库迁移", "completed"),
        ("- 移行完了", "completed"),
        ("- Decidi mudar de plano", "decision"),
        ("- Решил проблему с VPN", "fact"),  # решил is "solved" as often as "decided"
        ("- 来週の旅行は京都に決めました", "decision"),
    ],
)
def test_markers_labels_and_keywords_in_any_case_and_language(line: str, kind: str) -> None:
    assert [found for found, _ in kinds(line)] == [kind]


@pytest.mark.parametrize(
    "line",
    [
        "- Talked the move over with Ana, nothing was decided",
        "- Переезд с Аней: ничего не решили",
        "- 押金的事还没决定",
        "- 项目未完成",
        "- A viagem: não decidimos nada",
    ],
)
def test_a_negation_in_any_language_undoes_a_decision_or_a_finish(line: str) -> None:
    # Not deciding is no decision to keep; "未完成" (not finished) closes no loop.
    assert [kind for kind, _ in kinds(line)] in ([], ["fact"])


@pytest.mark.parametrize(
    ("line", "kind", "text"),
    [
        ("- Stuck: AJ has not replied", "blocker", "AJ has not replied"),
        ("- Waiting for: the bank's answer", "blocker", "the bank's answer"),
        ("- 待ち：先方の返事", "blocker", "先方の返事"),
        ("- 等待：房东回复", "blocker", "房东回复"),
        ("- Esperando: resposta do banco", "blocker", "resposta do banco"),
        ("- A fazer: ligar para o banco", "todo", "ligar para o banco"),
        ("- Сделать: позвонить в банк", "todo", "позвонить в банк"),
        ("- 要做：买牛奶", "todo", "买牛奶"),
        ("- **Tasks:** call the bank", "todo", "call the bank"),
        ("- 次に：ドキュメントを書く", "reminder", "ドキュメントを書く"),
        ("- Done today: renewed the domain", "completed", "renewed the domain"),
    ],
)
def test_labels_that_name_a_kind_as_a_whole(line: str, kind: str, text: str) -> None:
    assert kinds(line) == [(kind, text)]


@pytest.mark.parametrize(
    "line",
    [
        "- 待ち合わせ：渋谷駅ハチ公前 18:00",  # meeting up, not waiting
        "- 等待时间：大约40分钟",  # the waiting time
        "- Waiting room: 3rd floor, room 12",
        "- タスク管理ツール：Notion",  # the task-management tool
        "- Cron tasks: backup at 3am",
        "- Estou esperando um bebê em junho",  # expecting a baby
        "- Stuck the spare key under the flower pot",
        "- Done? Not sure the backup ran",
    ],
)
def test_a_kind_name_inside_a_longer_label_or_sentence_names_nothing(line: str) -> None:
    assert [kind for kind, _ in kinds(line)] == ["fact"]


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("Preferências", "preference"),
        ("Regras", "rule"),
        ("Предпочтения", "preference"),
        ("偏好", "preference"),
        ("规则", "rule"),
        ("ルール", "rule"),
        ("Lembretes", "reminder"),
        ("Blockers", "blocker"),
    ],
)
def test_section_words(header: str, kind: str) -> None:
    assert kinds(f"## {header}\n- an item of the section\n") == [(kind, "an item of the section")]


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        ("## Done\n- Renewed the domain\n", [("completed", "Renewed the domain")]),
        ("## **Completed today:**\n- Call the bank\n", [("completed", "Call the bank")]),
        ("## ✅ 已完成\n- 买牛奶\n", [("completed", "买牛奶")]),
        # "Tasks" names a kind only as a label: under "## Tasks" people log work done.
        ("## Tasks\n- Rotate the logs on Friday\n", [("fact", "Rotate the logs on Friday")]),
        (
            "## TODO\n- Call the bank ✅\n- ~~Buy milk~~\n",
            [("completed", "Call the bank ✅"), ("completed", "Buy milk")],
        ),
        # Only the section that says "done" itself: a bold sub-heading resets it.
        (
            "## Done today\n- Fixed the router\n\n**Still open:**\n- Call the bank\n",
            [("completed", "Fixed the router"), ("fact", "Call the bank")],
        ),
        ("## Tasks not done yet\n- Call the bank\n", [("fact", "Call the bank")]),
        ("## Done?\n- Call the bank\n", [("fact", "Call the bank")]),
        # The routine's ticked-off list stays quiet; its lessons do not.
        ("## Heartbeat 14:00\n### Done\n- Call the bank\n", []),
        (
            "## Heartbeat 14:00\n### Lessons\n- Cron needs absolute paths\n",
            [("learned", "Cron needs absolute paths")],
        ),
        # A blocker symbol wins over a done mark.
        ("- ✅ Backup ran, ❌ upload failed\n", [("blocker", "✅ Backup ran, ❌ upload failed")]),
    ],
)
def test_done_sections_and_marks(note: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(note) == expected


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        # A header ending on its keyword names what is below and is no memory itself.
        ("## Stuff Sam prefers\n- Tea, not coffee\n", [("preference", "Tea, not coffee")]),
        ("**What Ana likes**\n- Jazz on Sundays\n", [("preference", "Jazz on Sundays")]),
        ("## Things we decided\n- Use SQLite\n", [("decision", "Use SQLite")]),
        ("## Lessons we learned\n- Back up first\n", [("learned", "Back up first")]),
        ("## 馆长喜欢的\n- 简短的回答\n", [("preference", "简短的回答")]),
        # A negated one names nothing.
        ("## Not yet decided\n- The venue\n", [("fact", "The venue")]),
        ("## 未决定\n- 场地\n", [("fact", "场地")]),
        ("## 还没决定的事\n- 场地\n", [("fact", "场地")]),
        ("## 没有决定的事\n- 场地\n", [("fact", "场地")]),
        # A sentence is a header that states something; its bullets are its details.
        (
            "## We decided to move the launch to May 3 after the call\n- Ana agreed\n",
            [
                ("decision", "We decided to move the launch to May 3 after the call"),
                ("decision", "Ana agreed"),
            ],
        ),
    ],
)
def test_topic_headers(note: str, expected: list[tuple[str, str]]) -> None:
    assert kinds(note) == expected


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        # Under a finished section, what the item says of itself wins.
        (
            "## Done today\n- Decided to use Postgres\n- User prefers short answers\n"
            "- Always reply in English\n- Waiting for AJ's reply\n",
            ["decision", "preference", "rule", "blocker"],
        ),
        # A label line ends it; the enclosing section's kind comes back after it.
        (
            "## TODO\n### Done\n- Renew the domain\n**Still open**\n- Call the bank\n",
            ["completed", "todo"],
        ),
        # A loop label saying there is nothing is no loop.
        ("- Stuck: nothing\n- Waiting: n/a\n- 等待：无\n- 待ち：なし\n- Esperando: nada\n", []),
        ("- Tasks: none\n- Open tasks: 0\n- Blockers: none\n- TODO: none\n", []),
        # Nor is one that only counts how far along a list is.
        ("- Tasks: 3 of 5 finished\n- Todos: 2 open\n- TODO: 3/5 done\n- 待办：3 件未完成\n", []),
        (
            "- TODO: 3 tests fail on ARM\n- Done: 12 PRs merged\n- Blocker: 403\n- TODO: 1099\n"
            "- Done: #42\n",
            ["todo", "completed", "blocker", "todo", "completed"],
        ),
        # Whole names are labels only: a heartbeat's "### Stuck" stays quiet,
        # and under "## Waiting" people write facts.
        ("## Heartbeat 09:00\n### Stuck\n- Nothing\n### Tasks\n- Review PRs\n", []),
        ("## Waiting\n- Kids at the dentist\n", ["fact"]),
        # DONE only opening an item, before a lowercase word or a separator.
        ("- NOT DONE: renew the domain\n- Backup NOT DONE: disk full\n", ["fact", "fact"]),
        ("- DONE? Not yet\n- DONE DEAL with the landlord: rent stays\n", ["fact", "fact"]),
        # No preference from a question, an object that cannot stand, or "o gosto" (the taste).
        ("- Do I like the new layout? Not sure yet\n", ["fact"]),
        ("- The shelf can't stand the weight of the books\n", ["fact"]),
        ("- O gosto de café queimado na máquina nova\n", ["fact"]),
        # In the agent's routine, "I like" is the agent talking.
        ("## Heartbeat\n- Read Bob's post, I like the new header image\n", []),
        ("## 心跳检查\n- 我很喜欢这个帖子\n- 私はこの記事が好きです\n- 我喜欢这篇功夫文章\n", []),
        ("## Heartbeat\n- 馆长喜欢简短的回答\n", ["preference"]),
        # Only the agent's own first person: the user quoted, or someone else, is kept.
        (
            "## 今日总结\n- 馆长说：我更喜欢简短的回复\n"
            "- 私は田中さんがお茶の方が好きだと気づいた\n"
            "- 我爱人不喜欢香菜\n- 私は田中さんが紅茶が好きなことを覚えておく\n"
            "- 我爱吃辣这件事馆长记住了，馆长喜欢清淡\n- 我们更喜欢用 Telegram 沟通\n"
            "- 私は妻が辛いものが嫌いなので、店選びに注意\n",
            ["preference"] * 7,
        ),
        # 不过 (but) and 要不 (how about) are no negations; a later keyword still counts.
        ("- 不过决定用Postgres了\n- 要不决定用Postgres吧\n", ["decision", "decision"]),
        ("- 不过修复了登录问题\n", ["completed"]),
        ("- 还没决定场地，但决定了日期\n", ["decision"]),
        # "not only" is no negation.
        (
            "- Não só decidimos usar Postgres\n- Не только решили, но и сделали\n",
            ["decision", "decision"],
        ),
        # ⚠ anywhere says something is not done.
        ("- ✅ Backup ran, ⚠️ upload slow\n", ["fact"]),
    ],
)
def test_what_only_looks_like_a_kind(note: str, expected: list[str]) -> None:
    assert [kind for kind, _ in kinds(note)] == expected


@pytest.mark.parametrize(
    ("note", "expected"),
    [
        # A header that states the rule or the liking is the memory; only a
        # title of a topic ("Things…", "What…", "…的") names its items.
        (
            "## Reply to Sam in Portuguese, always\n",
            [("rule", "Reply to Sam in Portuguese, always")],
        ),
        ("## Dark mode is what Sam prefers\n", [("preference", "Dark mode is what Sam prefers")]),
        ("## 田中さんは寿司が好き\n", [("preference", "田中さんは寿司が好き")]),
        # A topic names what its bullets are unless they say it of themselves.
        (
            "## Stuff Sam prefers\n- Short answers\n- ❌ VPN drops every hour\n",
            [("preference", "Short answers"), ("blocker", "❌ VPN drops every hour")],
        ),
        (
            "## What we decided\n- Use Postgres\n\nAlso fixed the login bug.\n",
            [("decision", "Use Postgres"), ("completed", "Also fixed the login bug.")],
        ),
        # Nothing settled: no decisions below.
        ("## To be decided\n- Postgres or MySQL\n", [("fact", "Postgres or MySQL")]),
        ("## Who decided\n- Ana\n", [("fact", "Ana")]),
        # A prose line ends a done section unless it says done itself.
        (
            "## Done today\n- Renew the domain\n\nStill open\n- Call the bank\n",
            [("completed", "Renew the domain"), ("fact", "Still open"), ("fact", "Call the bank")],
        ),
        ("## Done today\nDone:\n- Pay rent\n", [("completed", "Pay rent")]),
        # Under a done section, an item saying it is not done is not done.
        (
            "## Done today\n- Renewed the domain\n- 还没付房租\n",
            [("completed", "Renewed the domain"), ("fact", "还没付房租")],
        ),
        ("## Done\n- Nothing\n", []),
        (
            "## 已完成\n- 修好了无线网络\n- 没问题了，部署完\n- 无法连接打印机\n",
            [
                ("completed", "修好了无线网络"),
                ("completed", "没问题了，部署完"),
                ("fact", "无法连接打印机"),
            ],
        ),
        (
            "## Done\n- Cancelled the gym, no longer needed\n",
            [("completed", "Cancelled the gym, no longer needed")],
        ),
        # A negation elsewhere in a done item says nothing of it being done.
        (
            "## Done today\n- Fix the bug that does not let Sam log in\n- 买无线耳机\n",
            [
                ("completed", "Fix the bug that does not let Sam log in"),
                ("completed", "买无线耳机"),
            ],
        ),
        # Prose that does not open what is left keeps the done section going.
        (
            "## Done today\nBusy day.\n- Pay rent\nMorning:\n- Call the bank\n",
            [("fact", "Busy day."), ("completed", "Pay rent"), ("completed", "Call the bank")],
        ),
        # A hedge only as written: May is a name; 接待 is no 待.
        ("## Things May likes\n- Sushi\n", [("preference", "Sushi")]),
        ("## 接待处喜欢的\n- 鲜花\n", [("preference", "鲜花")]),
        ("## 待决定的\n- 场地\n", [("fact", "场地")]),
        ("- Why does Sam prefer tea?\n", []),
        # How long one waited is no blocker.
        (
            "- Waiting: 5 minutes for the build to start\n- 等待：10 分钟\n",
            [("fact", "Waiting: 5 minutes for the build to start"), ("fact", "等待：10 分钟")],
        ),
        # A thematic break ends a done section.
        (
            "## Done today\n- Renew the domain\n\n---\n\n- Call the bank\n",
            [("completed", "Renew the domain"), ("fact", "Call the bank")],
        ),
        (
            "## Done today\n- Still open: call the bank\n- Next.js upgrade\n",
            [("fact", "Still open: call the bank"), ("completed", "Next.js upgrade")],
        ),
        # A tag question keeps the preference.
        (
            "- Ana prefers to be called Annie, right?\n",
            [("preference", "Ana prefers to be called Annie, right?")],
        ),
    ],
)
def test_topics_and_done_sections_yield_to_what_items_say(
    note: str, expected: list[tuple[str, str]]
) -> None:
    assert kinds(note) == expected


def test_rules_and_preferences_are_never_pruned_as_stale() -> None:
    # consolidate prunes a stale memory only below DEFAULT_MIN_IMPORTANCE.
    for kind in ("rule", "preference", "decision", "blocker", "reminder", "todo"):
        assert importance_of(kind) >= DEFAULT_MIN_IMPORTANCE
    assert importance_of("rule") == importance_of("preference") == max(KIND_IMPORTANCE.values())
    assert importance_of("header") < DEFAULT_MIN_IMPORTANCE
