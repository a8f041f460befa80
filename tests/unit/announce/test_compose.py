"""Composing announcement posts: never longer than X allows, the link always whole."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from careers_tv.announce.compose import (
    ELLIPSIS,
    MAX_WEIGHTED_LENGTH,
    Parts,
    compose,
    template_for,
    weighted_length,
)

LINK = "https://tv.example.net/videos/Qq9xM5E-0hg"
TESTIMONIAL_FR = template_for("temoignages", "fr")


def parts(title: str, **extra) -> Parts:
    return Parts(title=title, channel="Témoignages", link=LINK, **extra)


def test_a_short_post_is_the_template_filled_in():
    post = compose(TESTIMONIAL_FR, parts("Ana, ingénieure à Paris", speaker_name="Ana Ruiz",
                                         speaker_title="Ingénieure logiciel",
                                         hashtag="Temoignages"))
    assert post.text == ("🎬 Témoignage : Ana, ingénieure à Paris, Ana Ruiz, Ingénieure logiciel"
                         f" #Temoignages\n{LINK}")
    assert not post.shortened
    assert post.weighted_length == weighted_length(post.text)


def test_the_link_counts_23_and_emoji_and_cjk_count_2():
    assert weighted_length(LINK) == 23
    assert weighted_length("🎬") == 2 and weighted_length("日本") == 4 and weighted_length("é") == 1


def test_a_long_title_is_cut_on_a_word_and_the_speaker_stays():
    title = " ".join(["alternance"] * 40)
    post = compose(TESTIMONIAL_FR, parts(title, speaker_name="Ana Ruiz"))
    assert post.shortened and post.weighted_length <= MAX_WEIGHTED_LENGTH
    cut = post.text.split(" : ", 1)[1].split(ELLIPSIS)[0]
    assert cut.split(" ") == ["alternance"] * len(cut.split(" "))  # whole words only
    assert ", Ana Ruiz" in post.text and post.text.endswith(LINK)


def test_the_extras_go_before_the_title_is_cut_to_nothing():
    post = compose(TESTIMONIAL_FR, parts("Un titre qui dit quelque chose d'utile",
                                         speaker_name="N" * 120, speaker_title="T" * 120,
                                         hashtag="H" * 60))
    assert "Un titre qui dit quelque chose d'utile" in post.text
    assert post.weighted_length <= MAX_WEIGHTED_LENGTH


def test_control_characters_and_line_breaks_in_a_title_become_spaces():
    post = compose(TESTIMONIAL_FR, parts("Ligne une\nligne\u0000deux\t  trois"))
    assert post.text.startswith("🎬 Témoignage : Ligne une ligne deux trois\n")


def test_unknown_channels_and_languages_fall_back_to_the_default_french():
    assert template_for("a-new-channel", "en").startswith("New on {channel}")
    assert template_for("a-new-channel", "de") == template_for("a-new-channel", "fr")


def test_a_template_longer_than_a_post_is_refused():
    with pytest.raises(ValueError):
        compose("x" * 300 + " {title}{speaker}{hashtag} {link}", parts("t"))


titles = st.text(st.characters(blacklist_categories=("Cs",)), max_size=400)
names = st.text(st.characters(blacklist_categories=("Cs",)), max_size=150)


@settings(max_examples=150, deadline=None)
@given(title=titles, speaker=names, job=names, hashtag=names,
       slug=st.sampled_from(["temoignages", "sogelive", "mission-handicap", "corporate"]),
       language=st.sampled_from(["fr", "en"]))
def test_every_post_fits_and_keeps_its_link_whole(title, speaker, job, hashtag, slug, language):
    post = compose(template_for(slug, language),
                   Parts(title=title, channel="Sogelive", link=LINK, speaker_name=speaker,
                         speaker_title=job, hashtag=hashtag))
    assert post.weighted_length == weighted_length(post.text) <= MAX_WEIGHTED_LENGTH
    assert post.text.endswith("\n" + LINK)  # whole, last, on its own line
