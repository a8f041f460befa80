"""ProbeResults built by hand, for the pure planning and command-building tests."""

from transcoding.probe import AudioStream, ProbeResult, VideoStream


def fake_probe(width=1920, height=1080, fps=30.0, duration=60.0, audio=True, hdr=False,
               interlaced=False, vfr=False, path="/media/in.mp4") -> ProbeResult:
    video = VideoStream(
        codec="hevc" if hdr else "h264", profile="Main 10" if hdr else "High",
        coded_width=width, coded_height=height, width=width, height=height, rotation=0,
        frame_rate=fps, variable_frame_rate=vfr,
        pixel_format="yuv420p10le" if hdr else "yuv420p", bit_depth=10 if hdr else 8,
        color_transfer="smpte2084" if hdr else None, color_primaries="bt2020" if hdr else None,
        interlaced=interlaced,
    )
    return ProbeResult(path=path, container="mov,mp4,m4a,3gp,3g2,mj2", demuxer="mov",
                       duration=duration, size=1_000_000, bit_rate=None, video=video,
                       audio=AudioStream("aac", 2, 48000) if audio else None)
