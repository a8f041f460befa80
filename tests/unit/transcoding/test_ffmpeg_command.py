"""The ladder command, checked on its arguments: one input, one decode, every rung."""

from transcoding.ffmpeg import ladder_command, storyboard_command
from transcoding.ladder import plan

from .fake_probe import fake_probe


def command_for(**kwargs):
    probe = fake_probe(**kwargs)
    return ladder_command(probe, plan(probe), "/out")


def option_values(argv, name):
    return [argv[i + 1] for i, a in enumerate(argv) if a == name]


def test_the_input_is_opened_once_with_the_demuxer_forced_and_files_only():
    argv = command_for()
    assert argv.count("-i") == 1
    before_input = argv[: argv.index("-i")]
    assert option_values(before_input, "-f") == ["mov"]
    assert option_values(before_input, "-protocol_whitelist") == ["file"]
    assert "hls" not in option_values(before_input, "-format_whitelist")[0].split(",")
    assert argv[argv.index("-i") + 1] == "file:/media/in.mp4"


def test_one_decode_split_into_every_rung_the_storyboard_and_the_preview():
    argv = command_for()
    graph = option_values(argv, "-filter_complex")[0]
    assert graph.count("split=7") == 1  # five rungs + storyboard + hover preview
    for size in ("1920:1080", "1280:720", "854:480", "640:360", "426:240"):
        assert f"scale={size}" in graph
    # Thumbnails only: a tile output would hold back every -progress report for 200 s.
    assert "tile=" not in graph and "fps=fps=1/2" in graph
    assert graph.count("loudnorm") == 1
    assert "fps=fps=30" in graph


def test_the_hover_preview_is_a_muted_faststart_mp4_of_four_seconds():
    argv = command_for()  # fake_probe: 60 s, 1920x1080
    graph = option_values(argv, "-filter_complex")[0]
    assert "scale=320:180" in graph
    tail = argv[argv.index("/out/storyboard/thumb-%05d.jpg") + 1:]
    preview_args = tail[: tail.index("/out/preview.mp4")]
    assert "-an" in preview_args and option_values(preview_args, "-t") == ["4"]
    assert option_values(preview_args, "-movflags") == ["+faststart"]


def test_audio_and_video_timestamps_are_not_shifted_apart():
    # The default shift for x264's negative first decode time started the picture 0.067 s late.
    assert option_values(command_for(), "-avoid_negative_ts") == ["disabled"]


def test_the_storyboard_is_tiled_from_the_thumbnails_alone():
    probe = fake_probe()
    argv = storyboard_command(plan(probe), "/out")
    assert argv.count("-i") == 1
    assert argv[argv.index("-i") + 1] == "/out/storyboard/thumb-%05d.jpg"
    assert "tile=10x10" in option_values(argv, "-filter_complex")[0]
    assert "/out/storyboard/sheet-%03d.jpg" in argv


def test_every_rung_has_a_known_bitrate_and_the_same_keyframes():
    argv = command_for()
    maxrates = [argv[i + 1] for i, a in enumerate(argv) if a.startswith("-maxrate:v:")]
    assert len(maxrates) == 5 and all(int(m) > 0 for m in maxrates)
    keyframes = {argv[i + 1] for i, a in enumerate(argv) if a.startswith("-force_key_frames:v:")}
    assert keyframes == {"expr:gte(t,n_forced*2)"}
    assert {argv[i + 1] for i, a in enumerate(argv) if a.startswith("-profile:v:")} == {"high"}
    assert option_values(argv, "-hls_time") == ["4"]
    assert option_values(argv, "-hls_segment_type") == ["fmp4"]


def test_audio_is_encoded_once_and_shared_by_every_rung():
    argv = command_for()
    assert option_values(argv, "-c:a") == ["aac"]
    stream_map = option_values(argv, "-var_stream_map")[0].split()
    assert len(stream_map) == 6
    assert all("agroup:audio" in entry for entry in stream_map)


def test_no_audio_means_no_audio_group():
    argv = command_for(audio=False)
    assert "-c:a" not in argv
    assert "loudnorm" not in option_values(argv, "-filter_complex")[0]
    assert "agroup" not in option_values(argv, "-var_stream_map")[0]


def test_hdr_is_tone_mapped_and_interlaced_is_deinterlaced():
    hdr = option_values(command_for(hdr=True), "-filter_complex")[0]
    assert "tonemap=" in hdr and "zscale=" in hdr and "format=yuv420p" in hdr
    assert "bwdif" not in hdr
    interlaced = option_values(command_for(interlaced=True), "-filter_complex")[0]
    assert "bwdif" in interlaced and "tonemap" not in interlaced
