"""A stand-in for the sentence model: the judge reads each sentence as a test says."""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from api.judge.detectors import plug_sentence_model
from api.judge.principles import PRINCIPLE_IDS
from api.judge.text.memo import MEMO


@contextmanager
def reading(probability_of: Callable[[str], dict[str, float]]) -> Iterator[None]:
    """The judge with a reader that reads each sentence as `probability_of` says (every principle
    it leaves out at 0)."""
    plug_sentence_model(lambda sentences: [{p: 0.0 for p in PRINCIPLE_IDS} | probability_of(s) for s in sentences])
    MEMO.clear()
    try:
        yield
    finally:
        plug_sentence_model(None)
        MEMO.clear()
