"""The letter around a reply: greeting, sign-off and the names in them, read the same way everywhere."""

import pytest

from api.judge.text.letter import find_names, greeting, greeting_name, is_greeting_line, is_sign_off, signature_name
from api.schemas import CoachContext


@pytest.mark.parametrize(("line", "name"), [
    ("Dear Ms. Okafor,", "Ms. Okafor"),
    ("Hi Dana,", "Dana"),
    ("Hi Dana", "Dana"),
    ("Hello Dana!", "Dana"),
    ("Hi Dana 👋,", "Dana"),
    ("Good morning Jordan Lee:", "Jordan Lee"),
    ("Greetings Dana,", "Dana"),
    ("Hi all,", None),
    ("Dear Hiring Team,", None),
    ("Hello,", None),
    ("Hello there,", None),
    ("Hi again Jonathan,", None),
])
def test_a_greeting_and_the_name_it_addresses(line, name):
    found = greeting(line)
    assert found is not None and found.name == name
    assert is_greeting_line(line)


@pytest.mark.parametrize("sentence", [
    "Hey thanks for the update",
    "I got your email.",
    "Hiya Karen, thanks for letting me know.",
    "Thank you for the call.",
    "",
])
def test_what_is_not_a_greeting(sentence):
    assert not is_greeting_line(sentence)


def test_a_greeting_that_opens_a_sentence_is_split_from_it():
    sentence = "Hi Dana, thanks for letting me know."
    found = greeting(sentence)
    assert found.text == "Hi Dana," and sentence[found.end:] == "thanks for letting me know."
    assert not is_greeting_line(sentence)


def test_greeting_name_reads_the_first_greeting_line_near_the_top():
    assert greeting_name("Re: the role\n\nDear Ms. Okafor,\n\nThank you.") == "Ms. Okafor"
    assert greeting_name("Thanks for letting me know.\n\nBest,\nSam") is None
    assert greeting_name("I understand.\n\nHi all,\nSam") is None


@pytest.mark.parametrize("line", ["Best,", "Best regards,", "Cheers", "Thanks again,", "Many thanks,", "— Sam",
                                  "-- Sam", "Kindest regards", "All the best!"])
def test_sign_offs(line):
    assert is_sign_off(line)


@pytest.mark.parametrize("line", ["Thanks for letting me know.", "Best of all, I learned a lot.", "I wish you well.",
                                  "Regardless, I understand."])
def test_sentences_that_are_not_sign_offs(line):
    assert not is_sign_off(line)


def test_a_dash_after_a_sentence_on_the_same_line_signs_only_when_said_so():
    assert is_sign_off("– Dev", starts_line=True)
    assert not is_sign_off("– Dev", starts_line=False)
    assert is_sign_off("Cheers", starts_line=False)


@pytest.mark.parametrize(("text", "name"), [
    ("I understand.\n\nBest,\nSam", "Sam"),
    ("I understand.\n\nThanks, Dana", "Dana"),
    ("I understand.\n\nMany thanks, Dana", "Dana"),
    ("I understand.\n\nThanks again,\nPriya Raman", "Priya Raman"),
    ("I understand.\n\n— Sam", "Sam"),
    ("Fine.\n\nPriya", "Priya"),
    ("I understand.\n\nBest regards,\nSam O’Neil", "Sam O’Neil"),
    ("I understand.\n\nCheers", None),
    ("Thanks for letting me know.", None),
    ("I understand.\n\nThanks for letting me know.", None),
    ("I understand.\n\nBest,\nThe Team", None),
])
def test_signature_name(text, name):
    assert signature_name(text) == name


def test_an_html_draft_is_read_as_the_letter_it_shows():
    from api.engines.rewrite import local_rewrite

    rewrite = local_rewrite("<p>Hi Dana,</p><p>whatever, you wasted my time.</p><p>Best,<br>Sam</p>")
    assert rewrite.splitlines()[0] == "Hi Dana," and rewrite.endswith("Sam") and "<" not in rewrite


def test_names_come_from_the_context_first_then_the_draft_then_the_received_message():
    received = "Hi Daniel,\n\nWe went with another candidate.\n\nBest regards,\nJordan Lee"
    names = find_names("Seriously?", CoachContext(received_message=received))
    assert (names.recipient, names.sender) == ("Jordan Lee", "Daniel")
    names = find_names("Hi Sam,\n\nOk.\n\nBest,\nPriya", CoachContext(recipient_name="Samantha  Ortiz"))
    assert (names.recipient, names.sender) == ("Samantha Ortiz", "Priya")
