"""The pure parts of search: query words, accent folding, highlighting and excerpts."""

from careers_tv.services.highlight import Matcher, fold, query_terms
from careers_tv.services.search import vtt_text


def test_query_words_are_letters_and_digits_only_and_bounded():
    assert query_terms("  L'Ingé:* & 'cyber' | !2024\\ ") == ["l", "ingé", "cyber", "2024"]
    assert query_terms("a " * 500) == ["a"] * 12
    assert query_terms("x" * 300) == ["x" * 200]
    assert query_terms("\"'&|!:*()<->\\") == []


def test_folding_drops_case_accents_and_ligatures_and_remembers_positions():
    folded, origin = fold("Œuvre À l'été")
    assert folded == "oeuvre a l'ete"
    assert origin[:3] == [0, 0, 1]


def test_highlight_escapes_then_marks_whole_words_and_the_last_word_as_a_prefix():
    matcher = Matcher(["ingenieure", "cyb"])
    assert str(matcher.highlight("<b>Ingénieure</b> & cybersécurité, pas ingénieures")) == (
        "&lt;b&gt;<mark>Ingénieure</mark>&lt;/b&gt; &amp; <mark>cybersécurité</mark>, "
        "pas ingénieures")


def test_excerpt_comes_from_the_first_text_that_matches_around_the_match():
    matcher = Matcher(["alternance"])
    long_text = "Début. " + "mot " * 100 + "Une alternance à Lyon. " + "fin " * 100
    excerpt = str(matcher.excerpt("Rien ici", long_text))
    assert excerpt.startswith("…") and excerpt.endswith("…")
    assert "<mark>alternance</mark>" in excerpt
    assert len(excerpt) < 260
    assert str(matcher.excerpt("Une description", "")) == "Une description"


def test_caption_words_without_timings_identifiers_or_markup():
    vtt = ("WEBVTT\n\nNOTE a comment\n\n1\n00:00:01.000 --> 00:00:02.000\n"
           "<i>Bonjour</i> &amp; bienvenue\nà tous\n\n2\n00:00:03.000 --> 00:00:04.000\nFin\n")
    assert vtt_text(vtt) == "Bonjour & bienvenue à tous Fin"
