"""The production shape: a worker with nothing but the database, Redis and an S3 bucket."""

from __future__ import annotations

from careers_tv import create_app
from careers_tv.extensions import db
from careers_tv.models import Video, VideoStatus
from careers_tv.services import videos as video_service
from careers_tv.services.channels import get_channel
from careers_tv.storage import get_storage
from tests.functional.test_transcode_job import wait_for_status


def test_a_transcode_reads_and_writes_object_storage_only(committed, workers, media,
                                                         seaweedfs, tmp_path):
    bucket = seaweedfs.make_bucket("media")
    s3_env = {
        "STORAGE_URL": f"s3://{bucket}/careers-tv",
        "S3_ENDPOINT_URL": seaweedfs.endpoint_url,
        "AWS_ACCESS_KEY_ID": seaweedfs.access_key,
        "AWS_SECRET_ACCESS_KEY": seaweedfs.secret_key,
        # The worker's own working folder: nothing shared with this test's instance folder.
        "CAREERS_TV_INSTANCE": str(tmp_path / "worker-instance"),
    }
    s3_app = create_app({key: value for key, value in s3_env.items()
                         if key != "CAREERS_TV_INSTANCE"})
    workers.start("s3-worker", **s3_env)
    with s3_app.app_context():
        video = video_service.create_video(get_channel("corporate"), "Our group")
        video_service.stage_original(video, media.short)
        video_service.queue_transcode(video)
        db.session.commit()
        video_id = video.id
        video = wait_for_status(video_id, {VideoStatus.READY, VideoStatus.FAILED})
        assert video.status is VideoStatus.READY, video.status_text
        storage = get_storage()
        keys = list(storage.list(video.media_prefix))
        assert video.media_prefix + "master.m3u8" in keys
        assert storage.exists(video.original_key)
        response = storage.client.head_object(
            Bucket=bucket, Key=f"careers-tv/{video.media_prefix}master.m3u8")
        assert response["ContentType"] == "application/vnd.apple.mpegurl"
        assert db.session.get(Video, video_id).renditions[0].playlist_key in keys
