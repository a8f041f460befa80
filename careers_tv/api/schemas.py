"""What the API accepts and answers, as Pydantic models (their JSON Schema is the OpenAPI's)."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import core_schema

# Text fields refuse control characters (C0, DEL, C1): nobody types them, and they break
# pages, feeds and posts. Multi-line text keeps tab, line feed and carriage return.
_CONTROLS = "\\x00-\\x1f\\x7f-\\x9f"
_CONTROLS_BUT_LINES = "\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\x7f-\\x9f"
# "Blank" as JSON Schema's regular expressions (ECMA-262) mean \\s, which on text without
# controls is Python's \\s plus U+FEFF: the schema and this code agree on every string.
_NOT_SPACE = f"[^\\s\\ufeff{_CONTROLS}]"


def _checker(allowed: str, required: bool):
    body = f"[^{allowed}]*{_NOT_SPACE}[^{allowed}]*" if required else f"[^{allowed}]*"
    compiled = re.compile(body)  # fullmatch: Python's $ would also match before a final \n

    def check(value: str) -> str:
        if not compiled.fullmatch(value):
            raise ValueError("must hold more than spaces, and no control characters"
                             if required else "must not hold control characters")
        return value.strip() if required else value

    return f"^{body}$", check


def Text(max_length: int, *, required: bool = False, lines: bool = False):  # noqa: N802
    """A string of at most `max_length` characters without control characters (`lines`:
    but tab and line breaks); `required` ones must hold more than whitespace. The pattern
    is given to the schema and checked here, by Python's `re`, so both read it alike."""
    pattern, check = _checker(_CONTROLS_BUT_LINES if lines else _CONTROLS, required)
    return Annotated[str, StringConstraints(min_length=1 if required else 0,
                                            max_length=max_length),
                     AfterValidator(check), Field(json_schema_extra={"pattern": pattern})]


Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]{0,63}$")]
Country = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
Language = Literal["fr", "en"]
TagLabel = Text(64, required=True)
PUBLIC_ID_SCHEMA = {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,16}$"}
SLUG_SCHEMA = {"type": "string", "pattern": "^[a-z0-9][a-z0-9-]{0,63}$"}


def _refuses_null(schema: JsonSchemaValue) -> bool:
    """Whether no JSON null is valid against `schema` (as far as its own keywords say)."""
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if "null" not in types:
            return True
    if "enum" in schema and None not in schema["enum"]:
        return True
    if "const" in schema and schema["const"] is not None:
        return True
    if "$ref" in schema:  # our references are models: objects
        return True
    if any(_refuses_null(part) for part in schema.get("allOf", ())):
        return True
    return any(key in schema and all(_refuses_null(part) for part in schema[key])
               for key in ("anyOf", "oneOf"))


class ApiJsonSchema(GenerateJsonSchema):
    """The models' JSON Schema as the OpenAPI document gives it.

    `= None` on a field whose type refuses null (VideoUpdate's title, channel, tags…) means
    "may be left out" (absent: unchanged), not "null is its value": such a field is simply
    not required, and has no default, where Pydantic would write `default: null`, a default
    its own schema refuses (invalid OpenAPI, and a generated client might send it). A field
    that accepts null keeps `default: null`."""

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        json_schema = super().default_schema(schema)
        if "default" in json_schema and json_schema["default"] is None \
                and _refuses_null(json_schema):
            del json_schema["default"]
        return json_schema


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class In(BaseModel):
    # Unknown fields are refused: a misspelt field silently ignored is a bug report later.
    model_config = ConfigDict(extra="forbid")


# -- errors ----------------------------------------------------------------------------------


class ErrorDetail(Out):
    field: str
    message: str


class ErrorBody(Out):
    code: str = Field(description="Stable, machine-readable: not_found, invalid_request…")
    message: str = Field(description="For people.")
    details: list[ErrorDetail] | None = None


class ApiError(Out):
    error: ErrorBody


# -- catalogue -------------------------------------------------------------------------------


class Texts(Out):
    fr: str
    en: str


class Channel(Out):
    slug: str
    name: Texts
    description: Texts
    url: str = Field(description="The channel's public page.")
    feed_url: str
    video_count: int = Field(description="Published, listed videos.")


class ChannelList(Out):
    channels: list[Channel]


class ChannelRef(Out):
    slug: str
    name: Texts


class Tag(Out):
    slug: str
    label: str


class TagCount(Tag):
    video_count: int


class TagList(Out):
    tags: list[TagCount]


class Speaker(Out):
    name: str | None
    title: str | None


class Links(Out):
    watch: str = Field(description="The public watch page.")
    embed: str = Field(description="The player alone, for an iframe.")
    api: str


class Media(Out):
    hls: str | None = Field(description="The HLS master playlist (every rendition).")
    poster: str | None
    storyboard: str | None = Field(None, description="WebVTT of scrub thumbnails.")
    chapters: str | None = Field(None, description="WebVTT chapters track (kind=chapters); "
                                                   "null when the video has no chapters.")


class Caption(Out):
    language: str
    label: str | None
    url: str = Field(description="WebVTT.")
    automatic: bool = Field(description="A speech model's draft that no person has reviewed "
                                        "yet; show it labelled as automatic.")


class Chapter(Out):
    start: float = Field(description="Seconds from the start of the video.")
    end: float | None = Field(description="Where the next chapter starts, or the end of the "
                                          "video; null when its duration is not known.")
    title: str


class VideoSummary(Out):
    id: str = Field(description="The public id, as in /videos/<id>.")
    title: str
    description: str
    language: str
    channel: ChannelRef
    tags: list[Tag]
    speaker: Speaker
    entity: str | None
    country: str | None
    duration_seconds: float | None
    width: int | None
    height: int | None
    published_at: datetime | None
    view_count: int
    links: Links
    media: Media


class Video(VideoSummary):
    visibility: Literal["public", "unlisted"]
    status: str = Field(description="published for anyone; other states only for a token "
                                    "with the upload or publish scope.")
    status_message: str | None
    progress: int = Field(description="Transcoding progress, 0–100.")
    publish_at: datetime | None = Field(description="When a scheduled video goes live.")
    captions: list[Caption]
    chapters: list[Chapter] = Field(description="The editor's chapters, in order (empty: "
                                                "none).")
    embed_html: str = Field(description="An iframe of the player, ready to paste.")
    upload_url: str | None = Field(None, description="Where to send the file (tus 1.0.0), "
                                                     "while the video waits for one.")


class VideoPage(Out):
    videos: list[VideoSummary]
    next_cursor: str | None = Field(description="Pass as cursor= for the next page; null at "
                                                "the end.")
    next: str | None = Field(description="The next page's address.")


class SearchHit(VideoSummary):
    highlight: dict[str, str] = Field(
        description="title and excerpt as HTML: escaped, the matched words in <mark>.")


class SearchResults(Out):
    query: str
    total: int
    limit: int
    offset: int
    videos: list[SearchHit]
    next_offset: int | None


# -- query strings ---------------------------------------------------------------------------


class VideoListQuery(In):
    tag: Slug | None = Field(None, description="A tag's slug.")
    language: Language | None = None
    country: Country | None = Field(None, description="ISO 3166 two-letter code.")
    speaker: Text(200, required=True) | None = Field(
        None, description="The speaker's name, whole (case does not matter).")
    sort: Literal["newest", "oldest", "title"] = "newest"
    limit: int = Field(24, ge=1, le=100)
    cursor: Annotated[str, StringConstraints(max_length=512)] | None = Field(
        None, description="next_cursor from the previous page.")


class AllVideosQuery(VideoListQuery):
    channel: Slug | None = Field(None, description="A channel's slug.")


class SearchQuery(In):
    q: Text(200, required=True)
    language: Language | None = None
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0, le=10_000)


class TagQuery(In):
    channel: Slug | None = None


# -- writing ---------------------------------------------------------------------------------


class VideoFields(In):
    title: Text(200, required=True)
    description: Text(5000, lines=True) = ""
    language: Language = "fr"
    visibility: Literal["public", "unlisted"] = "public"
    speaker_name: Text(200) | None = None
    speaker_title: Text(200) | None = None
    entity: Text(120) | None = None
    country: Country | None = None
    tags: list[TagLabel] = Field(default_factory=list, max_length=12)
    consent_reference: Text(120) | None = None
    consent_expires_on: date | None = None


class VideoCreate(VideoFields):
    channel: Slug


class VideoUpdate(In):
    """Only the fields sent change; null clears an optional one."""

    # Not nullable (a video always has these); absent means unchanged (so the document
    # gives them no default: see ApiJsonSchema).
    channel: Slug = None
    title: Text(200, required=True) = None
    description: Text(5000, lines=True) | None = None
    language: Language = None
    visibility: Literal["public", "unlisted"] = None
    speaker_name: Text(200) | None = None
    speaker_title: Text(200) | None = None
    entity: Text(120) | None = None
    country: Country | None = None
    tags: list[TagLabel] = Field(None, max_length=12)
    consent_reference: Text(120) | None = None
    consent_expires_on: date | None = None


class PublishRequest(In):
    at: datetime | None = Field(None, description="Schedule for this time (with its offset); "
                                                  "now when absent.")
