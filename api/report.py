"""Terminal reports for the CLI: scores as bars, critiques with the quoted span highlighted, the rewrite."""

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from api.judge.principles import PRINCIPLES
from api.schemas import CoachResponse, Critique, Scores

_VERDICT_STYLE = {"ready": "bold green", "revise": "bold yellow", "rethink": "bold red"}
_STATUS_STYLE = {"shown": "green", "missing": "dim", "broken": "red"}
_SEVERITY_STYLE = {"critical": "bold red", "warning": "yellow", "info": "cyan"}


def _bar(score: int, width: int = 20) -> Text:
    filled = round(score / 100 * width)
    style = "green" if score >= 70 else "yellow" if score >= 40 else "red"
    return Text("█" * filled, style=style) + Text("░" * (width - filled), style="dim")


def scores_table(scores: Scores, title: str) -> Panel:
    table = Table.grid(padding=(0, 2))
    table.add_column(justify="right")
    table.add_column()
    table.add_column(justify="right")
    table.add_column()
    for principle in PRINCIPLES:
        entry = scores.principles[principle.id]
        table.add_row(principle.title, _bar(entry.score), str(entry.score), Text(entry.status, style=_STATUS_STYLE[entry.status]))
    tone, readability = scores.tone, scores.readability
    header = Text.assemble(
        ("Grace ", "bold"), (f"{scores.overall}/100  ", "bold"), (scores.verdict.upper(), _VERDICT_STYLE[scores.verdict]),
        (f"   tone: {tone.label} (sentiment {tone.sentiment:+.2f}, politeness {tone.politeness}, "
         f"hostility {tone.hostility}, anxiety {tone.anxiety})", "dim"),
    )
    footer = Text(
        f"{readability.words} words, {readability.sentences} sentences, reading ease {readability.flesch_reading_ease}, "
        f"grade {readability.grade}, {readability.reading_time_s:.0f} s to read", style="dim",
    )
    return Panel(Group(header, Text(), table, Text(), footer), title=title, title_align="left")


def _critique_text(draft: str, critique: Critique) -> Text:
    line = Text.assemble((f"{critique.severity.upper():<8}", _SEVERITY_STYLE[critique.severity]), (f" {critique.rule}", "bold"))
    if critique.quote is not None and critique.start is not None and critique.end is not None:
        left = draft[max(0, critique.start - 30):critique.start].replace("\n", " ")
        right = draft[critique.end:critique.end + 30].replace("\n", " ")
        line.append("\n    …" + left, style="dim")
        line.append(critique.quote.replace("\n", " "), style="bold reverse " + _SEVERITY_STYLE[critique.severity].split()[-1])
        line.append(right + "…", style="dim")
    line.append(f"\n    {critique.message}")
    if critique.suggestion:
        line.append(f"\n    → {critique.suggestion}", style="green")
    return line


def print_score_report(draft: str, scores: Scores, console: Console | None = None) -> None:
    (console or Console()).print(scores_table(scores, "Your draft"))


def print_coach_report(draft: str, response: CoachResponse, console: Console | None = None) -> None:
    console = console or Console()
    console.print(scores_table(response.scores, "Your draft"))
    if response.critiques:
        console.print(Panel(Group(*[_critique_text(draft, c) for c in response.critiques]), title="Critiques", title_align="left"))
    if response.rewrite:
        console.print(Panel(Text(response.rewrite.text), title="Suggested rewrite", title_align="left", border_style="green"))
        console.print(scores_table(response.rewrite.scores, "The rewrite"))
    engine = response.engine
    note = f"engine: {engine.name}" + (f" ({engine.model})" if engine.model else "")
    if engine.degraded:
        note += f" — degraded: {engine.reason}"
    console.print(Text(note, style="dim"))
