"""The data model. Alembic migrations under migrations/ are the only source of the schema."""

from .announcement import Announcement, AnnouncementStatus
from .api_token import ApiToken, Scope
from .channel import Channel
from .job import LONG_RUNNING_QUEUES, TRANSCODE_QUEUES, Job, JobKind, JobState, Queue
from .media import Caption, CaptionDraft, DraftState, Rendition
from .playback_day import PlaybackDay, StartupBucket
from .search import SearchDocument
from .upload import Upload, UploadStatus
from .user import Role, User
from .video import (
    TRANSITIONS,
    InvalidTransition,
    Tag,
    Video,
    VideoStatus,
    Visibility,
    new_public_id,
    video_tags,
)
from .view_day import ViewDay

__all__ = [
    "LONG_RUNNING_QUEUES",
    "TRANSCODE_QUEUES",
    "TRANSITIONS",
    "Announcement",
    "AnnouncementStatus",
    "ApiToken",
    "Caption",
    "CaptionDraft",
    "Channel",
    "DraftState",
    "InvalidTransition",
    "Job",
    "JobKind",
    "JobState",
    "PlaybackDay",
    "Queue",
    "Rendition",
    "Role",
    "Scope",
    "SearchDocument",
    "StartupBucket",
    "Tag",
    "Upload",
    "UploadStatus",
    "User",
    "Video",
    "VideoStatus",
    "ViewDay",
    "Visibility",
    "new_public_id",
    "video_tags",
]
