"""Following ffmpeg's `-progress` output, fed synthetic blocks (no ffmpeg needed)."""

from __future__ import annotations

import io

from transcoding.runner import _follow


class FakeProcess:
    def __init__(self, text: str):
        self.stdout = io.BytesIO(text.encode())


def block(progress: str = "continue", **fields: object) -> str:
    lines = [f"{key}={value}" for key, value in fields.items()]
    return "\n".join([*lines, f"progress={progress}"]) + "\n"


def follow(text: str, *, duration: float = 20.0, frame_rate: float | None = 30.0,
           answer=None) -> tuple[list[float], bool]:
    seen: list[float] = []

    def on_progress(fraction: float):
        seen.append(fraction)
        return answer

    stopped = _follow(FakeProcess(text), duration, on_progress, frame_rate)
    return seen, stopped


def test_frames_give_progress_while_out_time_is_not_available():
    text = "".join(block(frame=n, out_time_us="N/A", out_time="N/A") for n in (60, 150, 300))
    seen, stopped = follow(text + block("end", frame=600, out_time_us="N/A"))
    assert seen == [0.1, 0.25, 0.5, 1.0] and not stopped


def test_frames_win_over_an_out_time_that_overshoots():
    # An image output's timestamp (one frame every 2 s, lasting 2 s) runs ahead of the ladder.
    text = block(frame=120, out_time_us=18_000_000) + block(frame=300, out_time_us=200_000_000)
    seen, _ = follow(text + block("end", frame=600, out_time_us=200_000_000))
    assert seen == [0.2, 0.5, 1.0]


def test_without_a_frame_rate_out_time_is_used_but_bounded():
    text = (block(frame=0, out_time_us=5_000_000) + block(out_time_us="N/A")
            + block(out_time_us=4_000_000) + block(out_time_us=200_000_000))
    seen, _ = follow(text + block("end"), frame_rate=None)
    assert seen == [0.25, 0.25, 0.25, 1.0, 1.0]


def test_progress_never_goes_back_nor_past_one():
    text = "".join(block(frame=n) for n in (300, 150, 900, 450))
    seen, _ = follow(text + block("end", frame=600))
    assert seen == [0.5, 0.5, 1.0, 1.0, 1.0]
    assert all(0 <= a <= b <= 1 for a, b in zip(seen, seen[1:], strict=False))


def test_every_block_reaches_the_callback_so_a_run_can_be_cancelled_early():
    # Nothing measurable yet (ffmpeg's first blocks): the callback still hears of it, at 0.
    seen, stopped = follow(block(frame=0, out_time_us="N/A") + block(frame=30), answer=False)
    assert seen == [0.0] and stopped


def test_a_block_split_oddly_or_missing_fields_is_harmless():
    text = "frame=30\nbogus line\n=\nprogress=continue\n" + block() + block("end")
    seen, _ = follow(text, duration=0.0)
    assert seen == [0.0, 0.0, 1.0]


def test_nothing_is_reported_after_the_end_and_no_callback_is_fine():
    text = block(frame=300) + block("end", frame=600) + block(frame=900)
    seen, _ = follow(text)
    assert seen == [0.5, 1.0]
    assert _follow(FakeProcess(text), 20.0, None, 30.0) is False
