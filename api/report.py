"""Terminal reports for the CLI: scores as bars, critiques with the quoted span highlighted, the rewrite."""

from rich.console import Console, Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from api.judge.principles import PRINCIPLES
from api.judge.text.sentences import split_sentences
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


def _critique_text(draft: str, group: list[Critique]) -> Text:
    """One critique, or several of one rule in one sentence, each of their spans highlighted."""
    critique = group[0]
    line = Text.assemble((f"{critique.severity.upper():<8}", _SEVERITY_STYLE[critique.severity]), (f" {critique.rule}", "bold"))
    spans = [(c.start, c.end) for c in group if c.quote is not None and c.start is not None and c.end is not None]
    if spans:
        highlight = "bold reverse " + _SEVERITY_STYLE[critique.severity].split()[-1]
        position = max(0, spans[0][0] - 30)
        line.append("\n    …", style="dim")
        for start, end in spans:
            line.append(draft[position:start].replace("\n", " "), style="dim")
            line.append(draft[start:end].replace("\n", " "), style=highlight)
            position = end
        line.append(draft[position:position + 30].replace("\n", " ") + "…", style="dim")
    line.append(f"\n    {critique.message}")
    if critique.suggestion:
        line.append(f"\n    → {critique.suggestion}", style="green")
    return line


def _by_rule_and_sentence(draft: str, critiques: list[Critique]) -> list[list[Critique]]:
    """Critiques in their order, those of one rule in one sentence together (shouting twice in a line is one note)."""
    sentences = split_sentences(draft)
    groups: dict[tuple[str, int], list[Critique]] = {}
    for index, critique in enumerate(critiques):
        sentence = next((number for number, s in enumerate(sentences)
                         if critique.start is not None and s.start <= critique.start < s.end), None)
        key = (critique.rule, sentence) if sentence is not None else (critique.rule, -1 - index)
        groups.setdefault(key, []).append(critique)
    return [sorted(group, key=lambda c: c.start or 0) for group in groups.values()]


def print_score_report(draft: str, scores: Scores, console: Console | None = None) -> None:
    (console or Console()).print(scores_table(scores, "Your draft"))


def print_coach_report(draft: str, response: CoachResponse, console: Console | None = None) -> None:
    console = console or Console()
    console.print(scores_table(response.scores, "Your draft"))
    if response.critiques:
        console.print(Panel(Group(*[_critique_text(draft, group) for group in _by_rule_and_sentence(draft, response.critiques)]), title="Critiques", title_align="left"))
    if response.rewrite:
        console.print(Panel(Text(response.rewrite.text), title="Suggested rewrite", title_align="left", border_style="green"))
        console.print(scores_table(response.rewrite.scores, "The rewrite"))
    engine = response.engine
    note = f"engine: {engine.name}" + (f" ({engine.model})" if engine.model else "")
    if engine.degraded:
        note += f" — degraded: {engine.reason}"
    console.print(Text(note, style="dim"))
