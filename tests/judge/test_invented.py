"""The one invented-names check (llm engine guard, evals and tests) and its one allow-list."""

from api.judge.text.invented import invented_names, invented_numbers, ordinary_capitalised


def test_given_names_and_ordinary_capitals_are_not_invented():
    assert invented_names("Dear Dana,\n\nThank you. Please keep me in mind.\n\nBest,\nSam", "Dana Sam") == []
    assert invented_names("Hi Dana,\n\nI'd be glad to connect on LinkedIn.\n\nHR and the Team", "Dana") == []


def test_names_nobody_gave_are_invented():
    assert invented_names("Dear Dana, I met Bob at Initech.\n\nBest,\nSamuel", "Dana Sam") == ["Bob", "Initech", "Samuel"]
    assert invented_names("Dear Sarah,\n\nThank you.\n\nBest regards,\nSam", "Hi Sam, thanks.") == ["Sarah"]


def test_a_capital_that_starts_a_sentence_is_a_name_only_when_it_is_not_a_word():
    assert invented_names("Dana, thanks. While it hurts, I understand. Honestly, fine.", "Dana") == []
    assert invented_names("Dana, thanks. Priya mentioned the role.", "Dana") == ["Priya"]


def test_dates_the_candidate_never_gave_are_invented():
    assert invented_names("Thank you, Dana. See you Monday in March.", "Dana") == ["Monday", "March"]
    assert invented_names("Thank you, Dana. See you Monday.", "Dana, see you monday") == []


def test_accents_possessives_hyphens_and_letters_with_digits_are_read_whole():
    sources = "Hi Lucía Fernández, thanks. Ji-woo said our B2B launch at Northwind went well."
    text = "Dear Lucía Fernández, Ji-woo and I enjoyed Northwind's B2B work."
    assert invented_names(text, sources) == []
    assert invented_names("Dear Lucía, thanks from Inès.", "Lucía") == ["Inès"]


def test_typographic_quotes_match_plain_ones():
    assert invented_names("Thanks, O’Neil.", "O'Neil") == []


def test_numbers_nobody_gave_are_invented():
    assert invented_numbers("We met on 3 March at 3:30 for 45 minutes.", "our call at 3:30 on the 3rd") == ["45"]
    assert invented_numbers("I have 10 years of experience.", "since 2010") == ["10"]


def test_the_allow_list_is_one_data_file_without_calendar_words():
    words = ordinary_capitalised()
    assert {"linkedin", "dear", "regards", "team", "hr", "i'm"} <= words
    assert not words & {"monday", "friday", "march", "june"}
